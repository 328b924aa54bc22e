"""What is really the contact's and the company's on their pages: the contact's company picker, quick
stage change, consent and stage history, the company's contacts, and the merge history of both. Each
panel is registered on the record layer's panel registry, the same hook any hub app uses."""

from django import forms
from django.db.models.functions import Lower
from django.urls import reverse

from tandem.contacts import selectors
from tandem.contacts.models import ConsentPurpose, Contact, LifecycleStage
from tandem.contacts.records.display import stage_label
from tandem.core import access
from tandem.core.access import Verb
from tandem.core.records import registry
from tandem.core.records.registry import Panel

COMPANY_CHOICES_LIMIT = 200
CONTACTS_SHOWN = 20
STAGE_ORDER = list(LifecycleStage.values)


# --- the contact form's company picker ------------------------------------------------------------


def _company_label(company) -> str:
    return f"{company.name} ({company.domain})" if company.domain else company.name


def company_choices(user, *, search: str = "", selected: str | None = None) -> list[tuple[str, str]]:
    """Options for a contact's company select: the selected one first, then up to 200 by name.

    A select of every company would not survive a million rows; the search box next to it asks
    `contacts:company_options` for the next 200 that match what was typed.
    """
    queryset = selectors.visible_companies(user)
    if search:
        queryset = selectors.filter_companies(queryset, selectors.CompanyFilters(search=search))
    companies = list(queryset.order_by(Lower("name"), "id")[:COMPANY_CHOICES_LIMIT])
    choices = [("", "— No company —")]
    try:
        selected_id = int(selected) if selected else None
    except (TypeError, ValueError):
        selected_id = None
    if selected_id is not None and all(company.pk != selected_id for company in companies):
        current = selectors.visible_companies(user).filter(pk=selected_id).first()
        if current is not None:
            choices.append((str(current.pk), _company_label(current)))
    choices += [(str(company.pk), _company_label(company)) for company in companies]
    return choices


def company_form_field(form) -> forms.Field:
    selected = form.data.get("company") if form.is_bound else None
    if selected is None and form.record is not None:
        selected = str(form.record.company_id or "")
    return forms.CharField(
        required=False,
        label="Company",
        help_text="The list shows the first 200 by name; type in the search box to find others.",
        widget=forms.Select(
            choices=company_choices(form.user, selected=selected or None), attrs={"class": "company-select"}
        ),
    )


# --- panels ---------------------------------------------------------------------------------------


def _quick_stage(request, contact: Contact) -> dict | None:
    if not access.can(request.user, Verb.CHANGE, contact):
        return None
    current = STAGE_ORDER.index(contact.lifecycle_stage) if contact.lifecycle_stage in STAGE_ORDER else 0
    return {
        "stage_url": reverse("contacts:contact_stage", args=[contact.pk]),
        "stage_options": [
            (value, label, index < current, value == contact.lifecycle_stage)
            for index, (value, label) in enumerate(LifecycleStage.choices)
        ],
        "current_stage_label": dict(LifecycleStage.choices).get(contact.lifecycle_stage, ""),
    }


def _consent(request, contact: Contact) -> dict:
    consent = selectors.consent_overview(contact)
    return {
        "consent_rows": [
            (label, consent["consents"].get(purpose)) for purpose, label in ConsentPurpose.choices
        ],
        "suppression": consent["suppression"],
    }


def _stage_history(request, contact: Contact) -> dict:
    return {
        "stage_history": [
            (change, stage_label(change.from_stage), stage_label(change.to_stage))
            for change in selectors.stage_history(contact)
        ]
    }


def _company_contacts(request, company) -> dict:
    user = request.user
    contacts = selectors.company_contacts(user, company, limit=CONTACTS_SHOWN + 1)
    return {
        "company_contacts": contacts[:CONTACTS_SHOWN],
        "more_contacts": len(contacts) > CONTACTS_SHOWN,
        "contacts_url": f"{reverse('contacts:contact_list')}?company={company.pk}",
        "can_create_contact": access.allows(user, "contact", Verb.CREATE),
    }


def _merges(object_type: str):
    def context(request, record) -> dict | None:
        # Imported here: the duplicates views import the record layer's display helpers.
        from tandem.contacts.views.duplicates import merges_context

        found = merges_context(request.user, record, object_type)
        return found if found["merges"] else None

    return context


def register() -> None:
    registry.register_panel(
        "contact",
        Panel("quick_stage", "contacts/_quick_stage_panel.html", _quick_stage, region="aside_top", order=10),
    )
    registry.register_panel("contact", Panel("consent", "contacts/_consent_panel.html", _consent, order=60))
    registry.register_panel(
        "contact", Panel("stage_history", "contacts/_stage_history_panel.html", _stage_history, order=70)
    )
    registry.register_panel(
        "contact", Panel("merges", "contacts/merge_panel.html", _merges("contact"), order=90)
    )
    registry.register_panel(
        "company",
        Panel(
            "contacts", "contacts/_company_contacts_panel.html", _company_contacts, region="main", order=10
        ),
    )
    registry.register_panel(
        "company", Panel("merges", "contacts/merge_panel.html", _merges("company"), order=90)
    )
