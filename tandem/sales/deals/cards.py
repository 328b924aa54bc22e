"""The board's cards, written as one piece of HTML per column in one pass (deals/_board.html places it).

A board shows up to 50 cards per column, 300 on a six-stage pipeline. As a template loop each card cost some
sixty node renders, two URL reversals, filters and a form of its own (a CSRF token, the move URL twice):
most of the page's time and bytes. Here the deal URL is reversed once and the ids put in, user text is
escaped and isolated as `|isolate` does, dates are written by `|date_tag` once per distinct day, and the
cards' "Move to" controls belong to the board's one form (_board.html): each card's select is named after
the deal (`stage-<id>`) and its button posts the deal's id (`deal`), so one CSRF token serves every card.
"""

import datetime
from html import escape  # Django's escape() is this plus a lazy-string check per call: 1,500 calls a board

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.text import Truncator

from tandem.core import access
from tandem.core.access import Verb
from tandem.core.templatetags.tandem_display import date_tag
from tandem.sales.deals.display import money
from tandem.sales.deals.models import StageKind
from tandem.sales.deals.selectors import Card, Column, is_rotting

NEXT_STEP_LENGTH = 70  # what `|truncatechars:70` kept
ROTTING = " deal-card--rotting"
DRAGGABLE = ' draggable="true"'


def _isolated(text: str | None) -> str:
    """What `|isolate` writes (core.display.isolated) for text read from the database."""
    return f"<bdi>{escape(text)}</bdi>" if text else ""


class CardWriter:
    """Writes the cards of one board for `user` at `now`."""

    def __init__(self, user, now: datetime.datetime):
        self.user = user
        self.now = now
        self.detail_before, self.detail_after = reverse("deals:deal_detail", args=[0]).rsplit("0", 1)
        self.date_tags: dict[datetime.date, str] = {}

    def _date(self, day: datetime.date) -> str:
        tag = self.date_tags.get(day)
        if tag is None:
            tag = self.date_tags[day] = date_tag(day)
        return tag

    def column(self, column: Column, move_options: str) -> SafeString:
        """Every card of `column`; `move_options`: the column's "Move to" options (the same on each card)."""
        stage = column.stage
        is_open = stage.kind == StageKind.OPEN
        parts = []
        for card in column.cards:
            pk = card.pk
            name = escape(card.name)
            rotting = is_rotting(card, stage, self.now)
            may_move = access.can(self.user, Verb.CHANGE, card)
            parts.append(
                f'<li class="deal-card{ROTTING if rotting else ""}"{DRAGGABLE if may_move else ""} data-deal="{pk}">'
                f'<a class="deal-card-name" href="{self.detail_before}{pk}{self.detail_after}"><bdi>{name}</bdi></a>'
            )
            if card.company_id:
                parts.append(f'<span class="deal-card-company">{_isolated(card.company_name)}</span>')
            parts.append('<span class="deal-card-meta">')
            if card.amount is not None:
                parts.append(f'<strong class="num">{escape(money(card.amount, card.currency))}</strong>')
            if card.expected_close_date:
                parts.append(f"<span>Closes {self._date(card.expected_close_date)}</span>")
            owner = _isolated(card.owner_name) if card.owner_id else "Unowned"
            parts.append(f'</span><span class="deal-card-meta"><span>{owner}</span>')
            if rotting:
                parts.append('<span class="badge badge--warning">Rotting</span>')
            parts.append("</span>")
            if is_open:
                parts.append(self._next_step(card))
            if may_move and is_open:
                parts.append(
                    f'<div class="deal-card-move"><label class="sr-only" for="move-{pk}">Move {name} to</label>'
                    f'<select id="move-{pk}" name="stage-{pk}">{move_options}</select>'
                    f'<button class="button button--small" name="deal" value="{pk}">'
                    f'Move<span class="sr-only"> {name}</span></button></div>'
                )
            parts.append("</li>")
        return SafeString("".join(parts))

    def _next_step(self, card: Card) -> str:
        if not card.next_step:
            return '<span class="deal-card-next deal-card-next--missing">No next step</span>'
        text = card.next_step
        if len(text) > NEXT_STEP_LENGTH:
            text = Truncator(text).chars(NEXT_STEP_LENGTH)
        when = f" · {self._date(card.next_step_date)}" if card.next_step_date else ""
        return f'<span class="deal-card-next">Next: {_isolated(text)}{when}</span>'
