"""The spine's timeline as the record layer sees it: one page of a record's touches as readable entries,
notes, and the htmx fragments for both. A record type whose activities live in Activity (contacts,
companies) passes `TimelineSupport(object_type)`.

Each entry is shown by its kind, as the app that owns the kind registered it (tandem/core/timeline.py; the
spine's own kinds: timeline_kinds.py): its icon, heading, details and link. Nothing here names a kind.
"""

from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from tandem.contacts import selectors, services
from tandem.contacts.models import Activity, PropertyDefinition
from tandem.core import timeline
from tandem.core.pagination import InvalidCursor

TIMELINE_PAGE_SIZE = 25


@dataclass
class TimelineEntry:
    """One entry as a record's timeline shows it."""

    activity: Activity
    line: timeline.TimelineLine
    contact_name: str = ""  # on a company's timeline: which of its contacts this was about
    contact_id: int | None = None

    @property
    def kind(self) -> str:
        return self.activity.kind

    @property
    def body(self) -> str:
        return self.activity.body

    @property
    def heading(self):
        return self.line.heading

    @property
    def details(self):
        return self.line.details

    @property
    def url(self) -> str:
        return self.line.url

    @property
    def actor_name(self) -> str:
        return self.activity.actor.display_name if self.activity.actor_id else "System"


def present(
    user, activities: list[Activity], *, definitions: list[PropertyDefinition], show_contact: bool = False
) -> list[TimelineEntry]:
    """Readable entries for one page of activities (`show_contact` on a company's timeline: each entry also
    names the contact it is about, among those the reader may see, in one query)."""
    lines = timeline.lines(user, activities, hints={"definitions": definitions})
    contacts: dict[int, Any] = {}
    if show_contact:
        contact_ids = {activity.contact_id for activity in activities if activity.contact_id}
        contacts = selectors.visible_contacts(user).in_bulk(contact_ids) if contact_ids else {}
    entries = []
    for activity, line in zip(activities, lines, strict=True):
        entry = TimelineEntry(activity, line)
        if show_contact and activity.contact_id:
            contact = contacts.get(activity.contact_id)
            entry.contact_name = contact.display_name if contact else "a contact"
            entry.contact_id = contact.pk if contact else None
        entries.append(entry)
    return entries


@dataclass(frozen=True)
class TimelineSupport:
    object_type: str  # the Activity foreign key ("contact" or "company") and URL name prefix
    namespace: str = "contacts"
    panel_template: str = "contacts/_timeline_panel.html"
    items_template: str = "contacts/_timeline_items.html"
    note_form_template: str = "contacts/_note_form.html"
    # On a company's timeline, say which of its contacts each entry is about.
    show_contact: bool = False

    def _url(self, verb: str, record) -> str:
        return reverse(f"{self.namespace}:{self.object_type}_{verb}", args=[record.pk])

    def note_form_context(self, record) -> dict:
        return {"record": record, "note_url": self._url("note", record), "note_body": "", "note_error": ""}

    def context(self, request, record, *, definitions, cursor: str | None) -> dict:
        """One page of a record's timeline as readable entries, with the link to the next (older) page."""
        error = ""
        lookup = {self.object_type: record}
        try:
            page = selectors.timeline(reader=request.user, **lookup, cursor=cursor, limit=TIMELINE_PAGE_SIZE)
        except InvalidCursor as invalid:
            error = f"{invalid} Showing the newest entries."
            page = selectors.timeline(reader=request.user, **lookup, limit=TIMELINE_PAGE_SIZE)
        entries = present(request.user, page.rows, definitions=definitions, show_contact=self.show_contact)
        timeline_url = self._url("timeline", record)
        return {
            "timeline_entries": entries,
            "timeline_page": page,
            "timeline_error": error,
            "timeline_next_url": f"{timeline_url}?cursor={page.next_cursor}" if page.next_cursor else "",
            "timeline_is_first_page": not cursor or bool(error),
            "note_url": self._url("note", record),
        }

    def add_note(self, *, actor, body: str, record):
        return services.add_note(actor=actor, body=body, **{self.object_type: record})

    def note_created(self, request, record, activity, *, definitions) -> HttpResponse:
        entries = present(request.user, [activity], definitions=definitions, show_contact=self.show_contact)
        return render(
            request, "contacts/_note_created.html", {**self.note_form_context(record), "entry": entries[0]}
        )
