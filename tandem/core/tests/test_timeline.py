"""The timeline-kind registry (tandem/core/timeline.py): declarations are checked, an unknown kind still
shows, user text is escaped and isolated, and each loader runs once per page."""

from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import format_html

from tandem.core import timeline
from tandem.core.display import isolated
from tandem.core.models import User
from tandem.core.timeline import TimelineKind


@dataclass
class Entry:
    """A timeline row as the registry reads it (the spine's Activity has these attributes)."""

    kind: str
    subject_type: str = ""
    subject_id: int | None = None
    body: str = ""
    details: dict = field(default_factory=dict)


@pytest.fixture
def scratch_kinds():
    """Kinds registered by one test and taken back after it."""
    keys: list[str] = []

    def register(kind: TimelineKind) -> TimelineKind:
        timeline.register_kind(kind)
        keys.append(kind.key)
        return kind

    yield register
    for key in keys:
        timeline.unregister_kind(key)


@pytest.mark.parametrize(
    ("key", "tone", "message"),
    [
        ("Deal Won", "neutral", "Timeline kind 'Deal Won': use lower_snake_case, at most 30 characters."),
        ("x" * 31, "neutral", f"Timeline kind '{'x' * 31}': use lower_snake_case, at most 30 characters."),
        ("deal_won", "gold", "Timeline kind 'deal_won': tone 'gold' is not one of neutral, accent, success, info, "
         "warning, danger, note, stage."),
    ],
)  # fmt: skip
def test_a_declaration_with_a_bad_key_or_tone_is_refused(key, tone, message):
    with pytest.raises(ValueError) as refused:
        TimelineKind(key=key, label="Deal won", tone=tone)

    assert str(refused.value) == message


def test_the_same_declaration_twice_is_fine_a_different_one_under_a_taken_key_is_refused(scratch_kinds):
    scratch_kinds(TimelineKind("test_waved", "Waved", icon="person"))
    timeline.register_kind(TimelineKind("test_waved", "Waved", icon="person"))

    with pytest.raises(ValueError) as refused:
        timeline.register_kind(TimelineKind("test_waved", "Waved hello", icon="person"))

    assert (
        str(refused.value)
        == "Timeline kind 'test_waved' is already registered differently (by another app?)."
    )
    assert timeline.kind_of("test_waved").label == "Waved"


def test_writing_an_unregistered_kind_is_refused_with_the_way_to_register_it():
    # (a kind no installed app declares: deal_won is the sales hub's now)
    with pytest.raises(ValueError) as refused:
        timeline.require_kind("invoice_paid")

    assert str(refused.value) == (
        "Unknown timeline kind 'invoice_paid': the app that writes it registers it with "
        "tandem.core.timeline.register_kind in its AppConfig.ready()."
    )


def test_an_unknown_kind_shows_as_a_generic_line_with_its_reference_details_and_text():
    entry = Entry(
        "invoice_paid", subject_type="invoice", subject_id=7, body="Big <b>win</b>", details={"amount": 1200}
    )

    [line] = timeline.lines(None, [entry])

    assert (line.kind.key, line.kind.label, line.kind.icon, line.kind.tone, line.url) == (
        "invoice_paid",
        "Invoice paid",
        "dot",
        "neutral",
        "",
    )
    assert line.heading == "Invoice paid · invoice #7"
    assert line.details == (
        '<ul class="timeline-changes"><li>Amount: <bdi>1200</bdi></li></ul>'
        '<div class="timeline-note"><bdi>Big &lt;b&gt;win&lt;/b&gt;</bdi></div>'
    )


def test_a_stored_kind_that_is_not_a_valid_key_still_gets_a_safe_css_key():
    [line] = timeline.lines(None, [Entry('Bad "kind"')])

    assert (line.kind.key, line.kind.label, str(line.heading)) == (
        "bad__kind_",
        'Bad "kind"',
        "Bad &quot;kind&quot;",
    )


def test_each_loader_runs_once_per_page_for_all_the_entries_of_the_kinds_naming_it(scratch_kinds, db):
    users = [User.objects.create_user(f"user{number}@example.com", "pw") for number in range(3)]
    calls = []

    def load_users(page, entries):
        calls.append([entry.subject_id for entry in entries])
        return User.objects.in_bulk([entry.subject_id for entry in entries])

    def greeting(entry, loaded):
        # A user's name is user text: isolated in the heading.
        return format_html("Greeted {}", isolated(loaded[entry.subject_id].email))

    scratch_kinds(TimelineKind("test_greeted", "Greeted", render=greeting, load=load_users))
    scratch_kinds(TimelineKind("test_waved_at", "Waved at", render=greeting, load=load_users))
    entries = [Entry("test_greeted" if number % 2 else "test_waved_at", "user", user.pk) for number, user in
               enumerate(users)]  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        lines = timeline.lines(None, entries)

    assert calls == [[user.pk for user in users]]
    assert len(queries) == 1
    assert [str(line.heading) for line in lines] == [f"Greeted <bdi>{user.email}</bdi>" for user in users]


def test_a_url_link_is_empty_where_the_page_does_not_exist_or_the_entry_refers_to_something_else():
    link = timeline.url_link("core:user_edit", subject_type="user")
    missing = timeline.url_link("billing:invoice_detail", subject_type="invoice")

    assert link(Entry("test", "user", 4), None) == "/settings/users/4/"
    assert link(Entry("test", "team", 4), None) == ""
    assert link(Entry("test", "user", None), None) == ""
    assert missing(Entry("test", "invoice", 4), None) == ""
