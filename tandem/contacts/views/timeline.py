"""Timeline entries as a person reads them: "Job title: — → CTO", "Lead → MQL", a note's text.

Activity details store ids for owners, teams and companies; the names for one page of entries are
loaded in at most three queries, however many entries the page holds.
"""

import functools
from dataclasses import dataclass, field
from typing import Any

from django_countries import countries

from tandem.contacts import selectors
from tandem.contacts.models import (
    Activity,
    ActivityKind,
    CompanySize,
    ConsentPurpose,
    ConsentStatus,
    LeadStatus,
    PropertyDefinition,
)
from tandem.contacts.records.display import stage_label
from tandem.contacts.records.properties import display_property
from tandem.core.models import Team, User
from tandem.core.records import registry
from tandem.core.records.fields import property_name


def field_label(name: str) -> str:
    """A field's label for audit diffs and timelines, from the record types' field catalogues (a diff key
    is the model field's name: "lifecycle_stage", "owner", "domain")."""
    return _field_labels().get(name) or name.replace("_", " ").capitalize()


@functools.cache
def _field_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for object_type in ("contact", "company"):
        for item in registry.get(object_type).fields:
            labels.setdefault(item.attribute, item.label)
    return labels


EMPTY = "—"


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class TimelineEntry:
    activity: Activity
    title: str
    changes: list[Change] = field(default_factory=list)
    body: str = ""
    contact_name: str = ""  # on a company's timeline: which of its contacts this was about
    contact_id: int | None = None

    @property
    def kind(self) -> str:
        return self.activity.kind

    @property
    def actor_name(self) -> str:
        return self.activity.actor.display_name if self.activity.actor_id else "System"


@dataclass
class _Names:
    users: dict[int, User]
    teams: dict[int, Team]
    companies: dict[int, Any]
    definitions: dict[str, PropertyDefinition]


def _ids(activities: list[Activity], name: str) -> set[int]:
    ids = set()
    for activity in activities:
        pair = (
            (activity.details or {}).get("changes", {}).get(name)
            if isinstance(activity.details, dict)
            else None
        )
        if isinstance(pair, list):
            ids.update(value for value in pair if isinstance(value, int) and not isinstance(value, bool))
    return ids


def present(
    user, activities: list[Activity], *, definitions: list[PropertyDefinition], show_contact: bool = False
) -> list[TimelineEntry]:
    """Readable entries for one page of activities (`show_contact` on a company's timeline)."""
    user_ids, team_ids, company_ids = (
        _ids(activities, "owner"),
        _ids(activities, "team"),
        _ids(activities, "company"),
    )
    names = _Names(
        users=User.objects.in_bulk(user_ids) if user_ids else {},
        teams=Team.objects.in_bulk(team_ids) if team_ids else {},
        companies=selectors.visible_companies(user).in_bulk(company_ids) if company_ids else {},
        definitions={definition.name: definition for definition in definitions},
    )
    contacts: dict[int, Any] = {}
    if show_contact:
        contact_ids = {activity.contact_id for activity in activities if activity.contact_id}
        contacts = selectors.visible_contacts(user).in_bulk(contact_ids) if contact_ids else {}
    entries = []
    for activity in activities:
        entry = _entry(activity, names)
        if show_contact and activity.contact_id:
            contact = contacts.get(activity.contact_id)
            entry.contact_name = contact.display_name if contact else "a contact"
            entry.contact_id = contact.pk if contact else None
        entries.append(entry)
    return entries


def _entry(activity: Activity, names: _Names) -> TimelineEntry:
    details = activity.details if isinstance(activity.details, dict) else {}
    kind = activity.kind
    if kind == ActivityKind.CREATED:
        return TimelineEntry(activity, "Created" + _via(activity))
    if kind == ActivityKind.UPDATED:
        changes = details.get("changes") if isinstance(details.get("changes"), dict) else {}
        return TimelineEntry(
            activity,
            "Updated" + _via(activity),
            changes=[_change(name, pair, names) for name, pair in changes.items() if isinstance(pair, list)],
        )
    if kind == ActivityKind.STAGE_CHANGED:
        from_stage, to_stage = details.get("from"), details.get("to")
        if from_stage:
            title = f"Stage: {stage_label(from_stage)} → {stage_label(to_stage)}"
        else:
            title = f"Stage set to {stage_label(to_stage)}"
        return TimelineEntry(activity, title + _via(activity))
    if kind == ActivityKind.NOTE:
        return TimelineEntry(activity, "Note", body=activity.body)
    if kind == ActivityKind.DELETED:
        return TimelineEntry(activity, "Moved to the trash" + _via(activity))
    if kind == ActivityKind.RESTORED:
        return TimelineEntry(activity, "Restored from the trash")
    if kind == ActivityKind.CONSENT_CHANGED:
        purpose = dict(ConsentPurpose.choices).get(details.get("purpose"), str(details.get("purpose") or ""))
        statuses = dict(ConsentStatus.choices)
        old = statuses.get(details.get("from"), EMPTY)
        new = statuses.get(details.get("to"), str(details.get("to") or EMPTY))
        return TimelineEntry(activity, f"{purpose} consent: {old} → {new}")
    if kind in (ActivityKind.MERGED, ActivityKind.MERGE_UNDONE):
        changes = details.get("changes") if isinstance(details.get("changes"), dict) else {}
        if kind == ActivityKind.MERGED:
            title = f"Merged with {details.get('merged_with') or 'another record'}"
        else:
            title = f"Merge undone: {details.get('restored') or 'the merged record'} is back"
        return TimelineEntry(
            activity,
            title,
            changes=[_change(name, pair, names) for name, pair in changes.items() if isinstance(pair, list)],
        )
    return _generic(activity, details)


def _generic(activity: Activity, details: dict) -> TimelineEntry:
    """Kinds later issues record (emails, forms, deals...): the kind, what it refers to, any text."""
    title = activity.get_kind_display()
    if activity.subject_type:
        reference = activity.subject_type.replace("_", " ")
        title += f" · {reference} #{activity.subject_id}" if activity.subject_id else f" · {reference}"
    changes = [
        Change(str(key).replace("_", " ").capitalize(), "", _plain(value))
        for key, value in list(details.items())[:6]
        if isinstance(value, str | int | float | bool) and key not in ("changes",)
    ]
    return TimelineEntry(activity, title, changes=changes, body=activity.body)


def _via(activity: Activity) -> str:
    sources = {"bulk": "bulk action", "import": "import", "api": "API", "form": "form"}
    source = sources.get(activity.subject_type)
    return f" (by {source})" if source else ""


def _change(name: str, pair: list, names: _Names) -> Change:
    old, new = (pair + [None, None])[:2]
    key = property_name(name)
    if key is not None:
        definition = names.definitions.get(key)
        label = definition.label if definition else key
        if definition is not None:
            return Change(
                label, display_property(definition, old) or EMPTY, display_property(definition, new) or EMPTY
            )
        return Change(label, _plain(old), _plain(new))
    return Change(
        field_label(name),
        _value(name, old, names),
        _value(name, new, names),
    )


def _value(name: str, value: Any, names: _Names) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, int) and not isinstance(value, bool):
        if name == "owner":
            user = names.users.get(value)
            return user.display_name if user else f"user #{value}"
        if name == "team":
            team = names.teams.get(value)
            return team.name if team else f"team #{value}"
        if name == "company":
            company = names.companies.get(value)
            return company.name if company else f"company #{value}"
    if name == "lifecycle_stage":
        return stage_label(str(value))
    if name == "lead_status":
        return dict(LeadStatus.choices).get(value, str(value))
    if name == "size":
        return dict(CompanySize.choices).get(value, str(value))
    if name == "country":
        return dict(countries).get(str(value), str(value))
    return _plain(value)


def _plain(value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or EMPTY
    return str(value)
