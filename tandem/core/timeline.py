"""Timeline kinds, registered by the app that owns them (core knows no business nouns).

A timeline entry (the spine's Activity row) has a `kind`: "note", "stage_changed", later "deal_won" or
"ticket_opened". The app that writes a kind declares it once, from its AppConfig.ready():

    timeline.register_kind(TimelineKind(
        key="deal_won", label="Deal won", icon="trophy", tone="success",
        render=lambda entry, loaded: format_html("Won {}", isolated(loaded[entry.subject_id].name)),
        link=lambda entry, loaded: reverse("sales:deal_detail", args=[entry.subject_id]),
        load=lambda page, entries: Deal.objects.in_bulk({entry.subject_id for entry in entries}),
    ))

- `render(entry, loaded)` gives the entry's heading as HTML: user text escaped and isolated (format_html
  and `isolated`), never marked safe as it came. No links in it: the link is `link`'s job.
- `details(entry, loaded)` gives what stands below the heading (a list of changes, a note's text), or "".
- `link(entry, loaded)` gives the URL of what the entry refers to (the import, the merged record, the deal),
  or "" when there is none or the reader has no page for it.
- `load(page, entries)` runs once per page for every entry on it whose kind names the same function, and
  returns what `render`, `details` and `link` receive as `loaded`: the names behind the ids, in a few
  set-based queries however long the page (never a query per entry).
- `icon` is one of the shell's icons (`core.shell_icons`, or one an app adds with
  `navigation.register_icon`); `tone` colours it.

The services validate a kind against this registry before writing it (`require_kind`), so a typo cannot
reach the table. An entry whose kind no installed app declares any more (old data of a removed app) still
shows: as a generic line with its stored label-like key, the thing it refers to and its text.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from tandem.core.display import isolated

# The colours an icon may take, in the shell's palette (app.css: .timeline-icon--<tone>).
TONES = ("neutral", "accent", "success", "info", "warning", "danger", "note", "stage")
# Stored in a 30-character column; lower_snake so it reads the same in the API, the URL and the CSS.
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
EMPTY = "—"


@dataclass(frozen=True)
class TimelinePage:
    """What a `load` function may use for one page of entries: who reads it, and what the timeline's owner
    already holds (`hints`, e.g. the contacts' custom property definitions), so nobody loads it twice."""

    reader: Any
    hints: dict[str, Any] = field(default_factory=dict)


Renderer = Callable[[Any, Any], str]
Loader = Callable[[TimelinePage, list[Any]], Any]


def label_heading(entry: Any, loaded: Any) -> SafeString:
    """The default heading: the kind's label, and what the entry refers to ("Form submitted · form #2")."""
    kind = kind_of(entry.kind)
    subject_type = getattr(entry, "subject_type", "") or ""
    if not subject_type:
        return format_html("{}", kind.label)
    reference = subject_type.replace("_", " ")
    subject_id = getattr(entry, "subject_id", None)
    if subject_id:
        return format_html("{} · {} #{}", kind.label, reference, subject_id)
    return format_html("{} · {}", kind.label, reference)


def plain_details(entry: Any, loaded: Any) -> SafeString:
    """The default details: the entry's simple detail values (at most six) and its text, escaped."""
    details = entry.details if isinstance(getattr(entry, "details", None), dict) else {}
    pairs = [
        (str(key).replace("_", " ").capitalize(), plain(value))
        for key, value in list(details.items())[:6]
        if isinstance(value, str | int | float | bool) and key != "changes"
    ]
    return changes_list([(label, "", value) for label, value in pairs]) + note_text(
        getattr(entry, "body", "")
    )


def no_link(entry: Any, loaded: Any) -> str:
    return ""


@dataclass(frozen=True)
class TimelineKind:
    """One kind of timeline entry, as the app that writes it declares it (see the module's docstring)."""

    key: str
    label: str  # "Deal won": what the kind is called in lists, the home feed and the API documentation
    icon: str = "dot"
    tone: str = "neutral"
    render: Renderer = label_heading
    details: Renderer = plain_details
    link: Renderer = no_link
    load: Loader | None = None

    def __post_init__(self) -> None:
        if not KEY_PATTERN.match(self.key):
            raise ValueError(f"Timeline kind {self.key!r}: use lower_snake_case, at most 30 characters.")
        if self.tone not in TONES:
            raise ValueError(
                f"Timeline kind {self.key!r}: tone {self.tone!r} is not one of {', '.join(TONES)}."
            )


_kinds: dict[str, TimelineKind] = {}


def register_kind(kind: TimelineKind) -> None:
    """Declare a kind (from the owning app's ready()). The same declaration again is fine (ready() may run
    twice in tests); a different one under a key already taken is refused, so a hub cannot quietly change
    how the spine's notes (or another hub's entries) show."""
    existing = _kinds.get(kind.key)
    if existing is not None and _signature(existing) != _signature(kind):
        raise ValueError(f"Timeline kind {kind.key!r} is already registered differently (by another app?).")
    _kinds[kind.key] = kind


def _signature(kind: TimelineKind) -> tuple:
    # Functions by where they are defined: a second ready() makes new lambdas of the same declaration.
    functions = (kind.render, kind.details, kind.link, kind.load)
    names = tuple(f"{getattr(f, '__module__', '')}.{getattr(f, '__qualname__', '')}" for f in functions if f)
    return (kind.key, kind.label, kind.icon, kind.tone, names)


def unregister_kind(key: str) -> None:
    """Take a kind back (tests that register one for a single test)."""
    _kinds.pop(key, None)


def is_registered(key: str) -> bool:
    return key in _kinds


def require_kind(key: str) -> None:
    """Refuse to write an entry of a kind no installed app declares (a programming error, not user input)."""
    if key not in _kinds:
        raise ValueError(
            f"Unknown timeline kind {key!r}: the app that writes it registers it with "
            "tandem.core.timeline.register_kind in its AppConfig.ready()."
        )


def keys() -> list[str]:
    """Every registered kind's key, sorted: the API's enum of activity kinds."""
    return sorted(_kinds)


def kinds() -> list[TimelineKind]:
    return [_kinds[key] for key in keys()]


def kind_of(key: str) -> TimelineKind:
    """The kind registered under `key`, or a generic stand-in for a key no installed app declares (old data
    of an app that is gone): its key as words, the default icon, heading and details."""
    kind = _kinds.get(key)
    if kind is not None:
        return kind
    return _unknown(str(key or ""))


def _unknown(key: str) -> TimelineKind:
    safe_key = re.sub(r"[^a-z0-9_]", "_", key.lower())[:30] or "unknown"
    if not safe_key[0].isalpha():
        safe_key = f"k{safe_key[:29]}"
    return TimelineKind(key=safe_key, label=key.replace("_", " ").capitalize() or "Activity")


def label_of(key: str) -> str:
    return kind_of(key).label


@dataclass(frozen=True)
class TimelineLine:
    """One entry as the timeline shows it: the kind (icon, tone), its heading and details as HTML, and the
    URL of what it refers to ("" for none)."""

    entry: Any
    kind: TimelineKind
    heading: SafeString
    details: SafeString
    url: str


def lines(reader: Any, entries: list[Any], *, hints: dict[str, Any] | None = None) -> list[TimelineLine]:
    """Every entry of one page as a TimelineLine. Each distinct `load` function runs once, with all the
    page's entries of the kinds that name it."""
    page = TimelinePage(reader=reader, hints=hints or {})
    by_loader: dict[Loader, list[Any]] = {}
    for entry in entries:
        loader = kind_of(entry.kind).load
        if loader is not None:
            by_loader.setdefault(loader, []).append(entry)
    loaded = {loader: loader(page, group) for loader, group in by_loader.items()}
    result = []
    for entry in entries:
        kind = kind_of(entry.kind)
        data = loaded.get(kind.load) if kind.load is not None else None
        result.append(
            TimelineLine(
                entry=entry,
                kind=kind,
                heading=format_html("{}", kind.render(entry, data)),
                details=format_html("{}", kind.details(entry, data)),
                url=kind.link(entry, data) or "",
            )
        )
    return result


# --- helpers for renderers: the timeline's markup in one place -------------------------------------------


def plain(value: Any) -> str:
    """A stored value as text: "—" for nothing, Yes/No, a list joined by commas."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or EMPTY
    return str(value)


def changes_list(changes: Iterable[tuple[str, str, str]]) -> SafeString:
    """(label, old, new) rows as the timeline's list of changes; values are user text (escaped, isolated);
    an empty `old` shows the new value alone."""
    rows = [
        format_html("<li>{}: {} → {}</li>", label, isolated(old), isolated(new))
        if old
        else format_html("<li>{}: {}</li>", label, isolated(new))
        for label, old, new in changes
    ]
    if not rows:
        return mark_safe("")  # noqa: S308 (empty)
    return format_html(
        '<ul class="timeline-changes">{}</ul>', format_html_join("", "{}", ((row,) for row in rows))
    )


def note_text(body: str) -> SafeString:
    """A note's (or any entry's) text, escaped and isolated, its line breaks kept."""
    if not body:
        return mark_safe("")  # noqa: S308 (empty)
    return format_html('<div class="timeline-note">{}</div>', isolated(linebreaksbr(body, autoescape=True)))


def url_link(url_name: str, *, subject_type: str) -> Renderer:
    """A `link` to the page named `url_name` for the entry's subject id, when the entry refers to a
    `subject_type` (an import, an export). "" when that page does not exist in this install (the app that
    serves it is not installed), as navigation hides an entry whose URL does not resolve."""

    def link(entry: Any, loaded: Any) -> str:
        if getattr(entry, "subject_type", "") != subject_type or not getattr(entry, "subject_id", None):
            return ""
        try:
            return reverse(url_name, args=[entry.subject_id])
        except NoReverseMatch:
            return ""

    return link
