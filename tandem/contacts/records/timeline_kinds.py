"""The spine's timeline kinds: what contacts and companies write on their own timelines, declared in the
registry of tandem/core/timeline.py with a heading, details, icon and link each.

Kinds of hubs (deals, quotes, tickets, surveys, campaigns' emails once the email hub owns them) are not
declared here: each hub registers its own from its AppConfig.ready().

Activity details store ids for owners, teams and companies; the names for one page of entries are loaded
by one `load` function shared by every kind here, in at most five queries however many entries the page holds.
"""

import functools
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_countries import countries

from tandem.contacts import selectors
from tandem.contacts.models import (
    Activity,
    ActivityKind,
    CompanySize,
    ConsentPurpose,
    ConsentStatus,
    LeadStatus,
    MergeRecord,
    PropertyDefinition,
)
from tandem.contacts.records.display import stage_label
from tandem.contacts.records.properties import display_property
from tandem.core import access, timeline
from tandem.core.access import Verb
from tandem.core.display import isolated
from tandem.core.models import Team, User
from tandem.core.records import registry
from tandem.core.records.fields import property_name
from tandem.core.timeline import EMPTY, TimelineKind, TimelinePage, changes_list, note_text, plain


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


# --- what one page needs loaded ----------------------------------------------------------------------------


@dataclass
class Names:
    """The names behind the ids in one page's details, and the pages of the records merges refer to."""

    users: dict[int, User]
    teams: dict[int, Team]
    companies: dict[int, Any]
    definitions: dict[str, PropertyDefinition]
    merge_links: dict[int, str]


def _changes_of(activity: Activity) -> dict:
    details = activity.details if isinstance(activity.details, dict) else {}
    changes = details.get("changes")
    return changes if isinstance(changes, dict) else {}


def _ids(activities: list[Activity], name: str) -> set[int]:
    ids = set()
    for activity in activities:
        pair = _changes_of(activity).get(name)
        if isinstance(pair, list):
            ids.update(value for value in pair if isinstance(value, int) and not isinstance(value, bool))
    return ids


def load_names(page: TimelinePage, activities: list[Activity]) -> Names:
    """Users, teams and companies named in the page's changes (companies only those the reader sees), the
    custom property definitions (the timeline's own, handed in as a hint, else those the changes name), and
    where each merge's other record lives."""
    user_ids, team_ids, company_ids = (
        _ids(activities, "owner"),
        _ids(activities, "team"),
        _ids(activities, "company"),
    )
    definitions = page.hints.get("definitions")
    if definitions is None:
        keys = {
            key for activity in activities for name in _changes_of(activity) if (key := property_name(name))
        }
        definitions = list(PropertyDefinition.objects.filter(name__in=keys)) if keys else []
    return Names(
        users=User.objects.in_bulk(user_ids) if user_ids else {},
        teams=Team.objects.in_bulk(team_ids) if team_ids else {},
        companies=selectors.visible_companies(page.reader).in_bulk(company_ids) if company_ids else {},
        definitions={definition.name: definition for definition in definitions},
        merge_links=_merge_links(page.reader, activities),
    )


def _merge_links(reader, activities: list[Activity]) -> dict[int, str]:
    """Merge id → the page of the record the merge put in the trash (or brought back), for those the reader
    may see."""
    merge_ids = {
        activity.subject_id
        for activity in activities
        if activity.kind in (ActivityKind.MERGED, ActivityKind.MERGE_UNDONE)
        and activity.subject_type == "merge"
        and activity.subject_id
    }
    if not merge_ids:
        return {}
    merges = list(MergeRecord.objects.filter(pk__in=merge_ids).values_list("pk", "object_type", "other_id"))
    links = {}
    if reader is None:
        return links
    # One query per record type the merges name (contacts, companies): which other records the reader sees.
    for object_type in {merged_type for _, merged_type, _ in merges}:
        record_type = registry.get(object_type)
        others = record_type.model.objects.filter(
            pk__in={other_id for _, merged_type, other_id in merges if merged_type == object_type}
        )
        visible = set(access.scope_queryset(reader, Verb.VIEW, others).values_list("pk", flat=True))
        for merge_id, merged_type, other_id in merges:
            if merged_type == object_type and other_id in visible:
                links[merge_id] = reverse(f"{record_type.namespace}:{object_type}_detail", args=[other_id])
    return links


# --- headings, details and links ---------------------------------------------------------------------------

VIA = {"bulk": "bulk action", "import": "import", "api": "API", "form": "form"}


def _via(activity: Activity) -> str:
    source = VIA.get(activity.subject_type)
    return f" (by {source})" if source else ""


def _heading(text: str):
    """A heading that is only the kind's own words and how the change came ("Created (by import)")."""

    def render(activity: Activity, names: Any) -> SafeString:
        return format_html("{}{}", text, _via(activity))

    render.__qualname__ = f"heading[{text}]"
    return render


def no_details(activity: Activity, names: Any) -> SafeString:
    return mark_safe("")  # noqa: S308 (empty)


def _details(activity: Activity) -> dict:
    return activity.details if isinstance(activity.details, dict) else {}


def stage_heading(activity: Activity, names: Any) -> SafeString:
    details = _details(activity)
    from_stage, to_stage = details.get("from"), details.get("to")
    if from_stage:
        return format_html("Stage: {} → {}{}", stage_label(from_stage), stage_label(to_stage), _via(activity))
    return format_html("Stage set to {}{}", stage_label(to_stage), _via(activity))


def consent_heading(activity: Activity, names: Any) -> SafeString:
    details = _details(activity)
    purpose = dict(ConsentPurpose.choices).get(details.get("purpose"), str(details.get("purpose") or ""))
    statuses = dict(ConsentStatus.choices)
    old = statuses.get(details.get("from"), EMPTY)
    new = statuses.get(details.get("to"), str(details.get("to") or EMPTY))
    return format_html("{} consent: {} → {}", purpose, old, new)


def merged_heading(activity: Activity, names: Any) -> SafeString:
    # The other record's name is user text: isolated, as every name on the page.
    return format_html("Merged with {}", isolated(_details(activity).get("merged_with") or "another record"))


def merge_undone_heading(activity: Activity, names: Any) -> SafeString:
    restored = _details(activity).get("restored") or "the merged record"
    return format_html("Merge undone: {} is back", isolated(restored))


def merge_link(activity: Activity, names: Names | None) -> str:
    return names.merge_links.get(activity.subject_id, "") if names is not None else ""


def changes_details(activity: Activity, names: Names) -> SafeString:
    """The entry's field changes, old → new, each named and shown as the record's page shows it."""
    return changes_list(
        _change(name, pair, names) for name, pair in _changes_of(activity).items() if isinstance(pair, list)
    )


def imported_details(activity: Activity, names: Any) -> SafeString:
    details = _details(activity)
    fields = details.get("fields")
    if isinstance(fields, list) and fields:
        return changes_list([("Fields", "", ", ".join(field_label(str(name)) for name in fields))])
    if details.get("created") is True:
        return changes_list([("New record", "", "Yes")])
    return no_details(activity, names)


def note_details(activity: Activity, names: Any) -> SafeString:
    return note_text(activity.body)


def _change(name: str, pair: list, names: Names) -> tuple[str, str, str]:
    old, new = (pair + [None, None])[:2]
    key = property_name(name)
    if key is not None:
        definition = names.definitions.get(key)
        if definition is not None:
            return (
                definition.label,
                display_property(definition, old) or EMPTY,
                display_property(definition, new) or EMPTY,
            )
        return (key, plain(old), plain(new))
    return (field_label(name), _value(name, old, names), _value(name, new, names))


def _value(name: str, value: Any, names: Names) -> str:
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
    return plain(value)


def _import_link(activity: Activity, names: Any) -> str:
    """The import (or export) an entry came from, where that app serves a page for it: named by URL, as
    navigation does, so the spine does not import the app above it."""
    for subject_type, url_name in (("import", "imports:import_detail"), ("export", "exports:export_detail")):
        if activity.subject_type == subject_type and activity.subject_id:
            try:
                return reverse(url_name, args=[activity.subject_id])
            except NoReverseMatch:
                return ""
    return ""


def spine_kinds() -> list[TimelineKind]:
    """Every kind the spine writes. Email kinds stay here until the email hub takes them over."""
    return [
        TimelineKind(ActivityKind.CREATED, "Created", "plus", "success",
                     render=_heading("Created"), details=no_details, link=_import_link),
        TimelineKind(ActivityKind.UPDATED, "Updated", "refresh", "info",
                     render=_heading("Updated"), details=changes_details, link=_import_link, load=load_names),
        TimelineKind(ActivityKind.DELETED, "Moved to trash", "trash", "danger",
                     render=_heading("Moved to the trash"), details=no_details),
        TimelineKind(ActivityKind.RESTORED, "Restored", "undo", "success",
                     render=_heading("Restored from the trash"), details=no_details),
        TimelineKind(ActivityKind.STAGE_CHANGED, "Stage changed", "arrow-right", "stage",
                     render=stage_heading, details=no_details, link=_import_link),
        TimelineKind(ActivityKind.NOTE, "Note", "pencil", "note", render=_heading("Note"), details=note_details),
        # Touches written by the demo and, later, by the hubs' own services: the label and what they refer
        # to, their simple details and text (core.timeline's defaults). Calls, meetings and tasks done are the
        # engagements app's kinds (call_logged, meeting_logged, task_completed).
        TimelineKind(ActivityKind.PAGE_VIEW, "Page view", "eye"),
        TimelineKind(ActivityKind.FORM_SUBMITTED, "Form submitted", "document", "accent"),
        TimelineKind(ActivityKind.EMAIL_SENT, "Email sent", "mail", "accent"),
        TimelineKind(ActivityKind.EMAIL_DELIVERED, "Email delivered", "mail", "accent"),
        TimelineKind(ActivityKind.EMAIL_OPENED, "Email opened", "mail", "accent"),
        TimelineKind(ActivityKind.EMAIL_CLICKED, "Email clicked", "mail", "accent"),
        TimelineKind(ActivityKind.EMAIL_BOUNCED, "Email bounced", "mail", "warning"),
        TimelineKind(ActivityKind.UNSUBSCRIBED, "Unsubscribed", "ban", "warning"),
        TimelineKind(ActivityKind.CONSENT_CHANGED, "Consent changed", "shield", "info",
                     render=consent_heading, details=no_details),
        TimelineKind(ActivityKind.SCORE_CHANGED, "Score changed", "star"),
        TimelineKind(ActivityKind.IMPORTED, "Imported", "tray-in", "accent",
                     details=imported_details, link=_import_link),
        TimelineKind(ActivityKind.IMPORT_UNDONE, "Import undone", "undo", "warning", link=_import_link),
        TimelineKind(ActivityKind.EXPORTED, "Exported", "tray-out", link=_import_link),
        TimelineKind(ActivityKind.MERGED, "Merged", "merge", "info",
                     render=merged_heading, details=changes_details, link=merge_link, load=load_names),
        TimelineKind(ActivityKind.MERGE_UNDONE, "Merge undone", "undo", "warning",
                     render=merge_undone_heading, details=changes_details, link=merge_link, load=load_names),
        TimelineKind(ActivityKind.SUPPRESSED, "Address suppressed", "ban", "danger"),
    ]  # fmt: skip


def register() -> None:
    for kind in spine_kinds():
        timeline.register_kind(kind)
