"""The deal page's panels besides the stage panel (records.py): 1:1 email through mail's compose (a
registered compose target), the playbook's answer search, and the qualification checklist (also on the
contact page). Each is registered on the record layer, so the page itself names none of them."""

from django.urls import reverse

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.records import registry
from tandem.core.records.registry import Panel
from tandem.mail.compose import panels as mail_panels
from tandem.mail.compose import selectors as mail_selectors
from tandem.mail.compose import targets
from tandem.sales.deals import qualification, selectors
from tandem.sales.deals.models import Deal


def _compose_load(user, pk: int):
    deal = selectors.deal_detail(user, pk)
    return deal, selectors.deal_recipients(user, deal)


COMPOSE_TARGET = targets.ComposeTarget(
    key="deal",
    noun="deal",
    load=_compose_load,
    name=lambda deal: deal.name,
    url=lambda deal: reverse("deals:deal_detail", args=[deal.pk]),
)


def _emails_panel(request, deal: Deal) -> dict:
    return mail_panels.panel_context(
        request,
        compose_url=reverse("mail:compose_about", args=["deal", deal.pk]),
        emails=mail_selectors.recent_personal_emails(request.user, about=("deal", deal.pk)),
        has_email=selectors.deal_has_recipient(request.user, deal),
        show_recipient=True,
        no_email_text="None of the deal's contacts you can see has an email address.",
    )


def _playbook_panel(request, deal: Deal) -> dict | None:
    if not access.allows(request.user, "playbook", Verb.VIEW):
        return None
    return {"deal": deal, "answers_used": selectors.answers_used(deal)}


def register() -> None:
    targets.register_target(COMPOSE_TARGET)
    registry.register_panel(
        "deal",
        Panel("personal_email", "mail/compose_panel.html", _emails_panel, region="aside_top", order=20),
    )
    registry.register_panel(
        "deal",
        Panel(
            "qualification",
            "deals/_qualification_panel.html",
            qualification.panel("deal"),
            region="main",
            order=30,
        ),
    )
    registry.register_panel(
        "contact",
        Panel(
            "qualification",
            "deals/_qualification_panel.html",
            qualification.panel("contact"),
            region="main",
            order=40,
        ),
    )
    registry.register_panel(
        "deal", Panel("playbook", "deals/_playbook_panel.html", _playbook_panel, region="main", order=40)
    )
