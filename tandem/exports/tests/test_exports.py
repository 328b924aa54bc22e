"""Exports through the pages and the service: exactly the permitted, filtered rows, the chosen columns with
human headers, formula cells neutralised in CSV and XLSX, the background path with progress, downloads only
for the owner, the audit row, and chunked reads."""

import csv
import datetime
import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from tandem.contacts.models import Company, Contact, ContactTag, LifecycleStage, PropertyType, Tag
from tandem.contacts.tests.factories import (
    CompanyFactory,
    ContactFactory,
    PropertyDefinitionFactory,
    TeamFactory,
    UserFactory,
)
from tandem.core.models import Role
from tandem.exports import selectors, services
from tandem.exports.models import ExportJob

pytestmark = pytest.mark.django_db

CONTACT_URL = "/exports/contacts/new/"
COMPANY_URL = "/exports/companies/new/"
WHEN = datetime.datetime(2026, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


@pytest.fixture(autouse=True)
def export_files(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path / "exports"


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"), newline="")))


def streamed(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def downloaded(response) -> bytes:
    return b"".join(response.streaming_content)


def post_export(client, url=CONTACT_URL, *, query="", columns=(), file_format="csv"):
    return client.post(url, {"file_format": file_format, "columns": list(columns), "query": query})


def run_background(client, django_capture_on_commit_callbacks, **kwargs) -> ExportJob:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_export(client, **kwargs)
    assert response.status_code == 302
    job = ExportJob.objects.latest("id")
    assert response["Location"] == f"/exports/{job.pk}/"
    return job


def ids_in(rows: list[list[str]]) -> list[int]:
    return [int(row[0]) for row in rows[1:]]


# --- which rows ------------------------------------------------------------------------------------


def test_an_admin_exports_exactly_the_filtered_live_contacts(client):
    # Given contacts in two stages, one of them trashed
    admin = UserFactory(role=Role.ADMIN)
    mql = ContactFactory.create_batch(3, lifecycle_stage=LifecycleStage.MQL)
    ContactFactory.create_batch(2, lifecycle_stage=LifecycleStage.LEAD)
    ContactFactory(lifecycle_stage=LifecycleStage.MQL, deleted_at=WHEN)
    client.force_login(admin)
    # When the admin exports the list filtered by stage
    response = post_export(client, query="stage=mql")
    # Then the file holds exactly the live MQLs, newest first as the list shows them
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="contacts-{datetime.date.today():%Y-%m-%d}.csv"'
    )
    assert ids_in(read_csv(streamed(response))) == [contact.pk for contact in reversed(mql)]


def test_a_sales_user_exports_what_they_may_see_with_the_lists_filter(client):
    # Given a sales rep (who may view every contact) and contacts of several owners
    team = TeamFactory(name="East")
    rep = UserFactory(role=Role.SALES, team=team)
    other = UserFactory(role=Role.SALES, team=TeamFactory(name="West"))
    mine = ContactFactory.create_batch(2, owner=rep)
    theirs = ContactFactory.create_batch(2, owner=other)
    unowned = ContactFactory()
    client.force_login(rep)
    # When they export without a filter, and then filtered to their own contacts
    everything = ids_in(read_csv(streamed(post_export(client))))
    own = ids_in(read_csv(streamed(post_export(client, query=f"owner={rep.pk}"))))
    # Then the first is every contact (their role's view scope), the second only theirs
    assert everything == [contact.pk for contact in reversed([*mine, *theirs, unowned])]
    assert own == [contact.pk for contact in reversed(mine)]


def test_a_read_only_user_exports_only_their_teams_contacts_whatever_the_filter(client):
    # Given a read-only user in team East, whose role sees the team's records only
    east = TeamFactory(name="East")
    west = TeamFactory(name="West")
    viewer = UserFactory(role=Role.READ_ONLY, team=east)
    east_rep = UserFactory(role=Role.SALES, team=east)
    west_rep = UserFactory(role=Role.SALES, team=west)
    east_contacts = ContactFactory.create_batch(2, owner=east_rep)
    west_contacts = ContactFactory.create_batch(2, owner=west_rep)
    client.force_login(viewer)
    # When they export everything, and then try to ask for the other team's records by filter
    everything = ids_in(read_csv(streamed(post_export(client))))
    west_only = ids_in(read_csv(streamed(post_export(client, query=f"team={west.pk}"))))
    by_owner = ids_in(read_csv(streamed(post_export(client, query=f"owner={west_rep.pk}"))))
    # Then they only ever get their team's contacts
    assert everything == [contact.pk for contact in reversed(east_contacts)]
    assert west_only == []
    assert by_owner == []
    assert len(west_contacts) == 2


def test_a_read_only_user_exports_only_their_teams_companies(client):
    east = TeamFactory(name="East")
    viewer = UserFactory(role=Role.READ_ONLY, team=east)
    east_company = CompanyFactory(owner=UserFactory(role=Role.SALES, team=east))
    CompanyFactory(owner=UserFactory(role=Role.SALES, team=TeamFactory(name="West")))
    client.force_login(viewer)

    rows = read_csv(streamed(post_export(client, COMPANY_URL)))

    assert ids_in(rows) == [east_company.pk]


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_recorded(client):
    ContactFactory()

    response = post_export(client)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert ExportJob.objects.count() == 0
    assert LogEntry.objects.count() == 0


# --- columns and cells -----------------------------------------------------------------------------


def test_every_contact_column_has_a_human_header_and_exact_values(client):
    # Given a contact with every field set, two tags and custom properties of each type
    team = TeamFactory(name="North")
    owner = UserFactory(role=Role.SALES, team=team, email="owner@example.com")
    company = CompanyFactory(name="Acme Ltd")
    for position, (name, label, value_type, choices) in enumerate(
        (
            ("plan", "Plan", PropertyType.CHOICE, ["Free", "Pro"]),
            ("seats", "Seats", PropertyType.NUMBER, []),
            ("renewal", "Renewal", PropertyType.DATE, []),
            ("partner", "Partner", PropertyType.BOOLEAN, []),
            ("interests", "Interests", PropertyType.MULTI_CHOICE, ["Reports", "API", "Mobile"]),
            ("notes", "Notes", PropertyType.TEXT, []),
        )
    ):
        PropertyDefinitionFactory(
            name=name, label=label, value_type=value_type, choices=choices, position=position
        )
    contact = ContactFactory(
        first_name="Zoë",
        last_name="Ångström",
        email="zoe@example.com",
        external_id="hs-1001",
        phone="+4420794600000",
        job_title="Head of Data",
        company=company,
        country="SE",
        lifecycle_stage=LifecycleStage.MQL,
        lead_status="in_progress",
        owner=owner,
        score=42,
        source="google",
        source_medium="cpc",
        source_campaign="spring, 2026",
        source_referrer="https://www.google.com/",
        source_landing_page="https://example.com/pricing",
        created_at=WHEN,
        updated_at=WHEN + datetime.timedelta(days=1, microseconds=5),
        properties={
            "plan": "Pro",
            "seats": 12,
            "renewal": "2026-12-31",
            "partner": True,
            "interests": ["Reports", "API"],
            "notes": 'Said "maybe"\nnext week',
        },
    )
    for name in ("webinar", "partner"):
        ContactTag.objects.create(contact=contact, tag=Tag.objects.create(name=name))
    client.force_login(UserFactory(role=Role.ADMIN))
    columns = [column.key for column in services.export_columns.catalogue("contact", [])]
    columns += ["property:plan", "property:seats", "property:renewal", "property:partner"]
    columns += ["property:interests", "property:notes"]
    # When every column is exported
    rows = read_csv(streamed(post_export(client, columns=columns)))
    # Then the headers are labels and the values are exact (dates ISO 8601, lists joined with "; ")
    assert rows == [
        [
            "Record ID", "External ID", "First name", "Last name", "Email", "Phone", "Job title", "Company",
            "Country",
            "Lifecycle stage", "Lead status", "Owner email", "Team", "Tags", "Score", "Source",
            "Source medium", "Source campaign", "Source referrer", "Source landing page", "Created at",
            "Updated at", "Plan", "Seats", "Renewal", "Partner", "Interests", "Notes",
        ],
        [
            str(contact.pk), "hs-1001", "Zoë", "Ångström", "zoe@example.com", "'+4420794600000", "Head of Data",
            "Acme Ltd", "Sweden", "Marketing qualified lead", "In progress", "owner@example.com", "North",
            "partner; webinar", "42", "google", "cpc", "spring, 2026", "https://www.google.com/",
            "https://example.com/pricing", "2026-03-04T05:06:07+00:00", "2026-03-05T05:06:07.000005+00:00",
            "Pro", "12", "2026-12-31", "Yes", "Reports; API", 'Said "maybe"\nnext week',
        ],
    ]  # fmt: skip


def test_the_default_columns_follow_the_lists_column_choice_plus_name_and_email(client):
    # Given a user who shows only the Score and Tags columns on the contacts list
    client.force_login(UserFactory(role=Role.ADMIN))
    client.post("/contacts/columns/", {"columns": ["score", "tags"]})
    # When they open the export page from the list
    response = client.get(f"{CONTACT_URL}?stage=lead&sort=name&cursor=abc")
    # Then those columns are ticked beside the ones every export has, and the query keeps the filter and sort
    ticked = response.context["form"].initial["columns"]
    assert ticked == ["id", "first_name", "last_name", "email", "score", "tags"]
    assert response.context["form"].initial["query"] == "stage=lead&sort=name"
    assert response.status_code == 200


def test_unticked_always_columns_are_still_exported(client):
    contact = ContactFactory(first_name="Ann", last_name="Lee", email="ann@example.com", score=7)
    client.force_login(UserFactory(role=Role.ADMIN))

    rows = read_csv(streamed(post_export(client, columns=["score"])))

    assert rows == [
        ["Record ID", "First name", "Last name", "Email", "Score"],
        [str(contact.pk), "Ann", "Lee", "ann@example.com", "7"],
    ]


def test_company_columns_have_human_headers_and_exact_values(client):
    owner = UserFactory(role=Role.SALES, team=TeamFactory(name="South"), email="rep@example.com")
    PropertyDefinitionFactory(
        object_type="company", name="tier", label="Tier", value_type=PropertyType.CHOICE, choices=["Gold"]
    )
    company = CompanyFactory(
        name="Acme", domain="acme.example", industry="Software", size="50-249", country="DE",
        phone="+4930123456", owner=owner, created_at=WHEN, updated_at=WHEN, properties={"tier": "Gold"},
    )  # fmt: skip
    client.force_login(UserFactory(role=Role.ADMIN))
    columns = [
        "industry",
        "size",
        "country",
        "phone",
        "owner",
        "team",
        "created_at",
        "updated_at",
        "property:tier",
    ]

    rows = read_csv(streamed(post_export(client, COMPANY_URL, columns=columns)))

    assert rows == [
        ["Record ID", "Name", "Domain", "Industry", "Size", "Country", "Phone", "Owner email", "Team",
         "Created at", "Updated at", "Tier"],
        [str(company.pk), "Acme", "acme.example", "Software", "50–249", "Germany", "'+4930123456",
         "rep@example.com", "South", "2026-03-04T05:06:07+00:00", "2026-03-04T05:06:07+00:00", "Gold"],
    ]  # fmt: skip


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_starting_like_a_formula_gets_a_leading_quote_in_csv(client, start):
    # Given text fields, a tag and a custom property that each start with a formula character
    PropertyDefinitionFactory(name="note", label="Note", value_type=PropertyType.TEXT)
    payload = f'{start}HYPERLINK("http://evil.example")'
    contact = ContactFactory(first_name=payload, job_title=payload, properties={"note": payload})
    ContactTag.objects.create(contact=contact, tag=Tag.objects.create(name=f"{start}tag"))
    client.force_login(UserFactory(role=Role.ADMIN))
    # When exported
    rows = read_csv(streamed(post_export(client, columns=["job_title", "tags", "property:note"])))
    # Then each of those cells starts with a single quote, and nothing else changed
    first_name, job_title, tags, note = rows[1][1], rows[1][4], rows[1][5], rows[1][6]
    assert [first_name, job_title, tags, note] == [
        "'" + payload,
        "'" + payload,
        f"'{start}tag",
        "'" + payload,
    ]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_a_cell_starting_like_a_formula_is_a_quoted_string_in_xlsx(
    client, django_capture_on_commit_callbacks, start
):
    payload = f"{start}1+1"
    contact = ContactFactory(first_name=payload, last_name="Plain", email="x@example.com")
    client.force_login(UserFactory(role=Role.ADMIN))

    job = run_background(client, django_capture_on_commit_callbacks, file_format="xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(downloaded(client.get(f"/exports/{job.pk}/download/"))))

    cell = workbook["Contacts"]["B2"]
    # XML reads a carriage return back as a line feed; the cell is still quoted text.
    expected = "'" + payload.replace("\r", "\n")
    assert (cell.value, cell.data_type) == (expected, "s")
    assert [value.value for value in workbook["Contacts"][2]] == [
        contact.pk,
        expected,
        "Plain",
        "x@example.com",
    ]


def test_control_characters_that_xml_cannot_hold_are_dropped_in_xlsx_and_neutralised_after(
    client, django_capture_on_commit_callbacks
):
    ContactFactory(first_name="\x01=cmd", last_name="a\x02b")
    client.force_login(UserFactory(role=Role.ADMIN))

    job = run_background(client, django_capture_on_commit_callbacks, file_format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(client.get(f"/exports/{job.pk}/download/"))))[
        "Contacts"
    ]

    assert [sheet["B2"].value, sheet["C2"].value] == ["'=cmd", "ab"]


def test_xlsx_holds_the_same_cells_as_the_csv(client, django_capture_on_commit_callbacks):
    # Given contacts with text, numbers, dates, tags and an empty field
    company = CompanyFactory(name="Acme")
    first = ContactFactory(first_name="Ann", company=company, score=-3, created_at=WHEN, job_title="")
    ContactTag.objects.create(contact=first, tag=Tag.objects.create(name="vip"))
    ContactFactory(first_name="@Bob", score=10, created_at=WHEN)
    client.force_login(UserFactory(role=Role.ADMIN))
    columns = ["job_title", "company", "tags", "score", "created_at"]
    # When the same list is exported as CSV and as XLSX
    csv_rows = read_csv(streamed(post_export(client, columns=columns)))
    job = run_background(client, django_capture_on_commit_callbacks, file_format="xlsx", columns=columns)
    response = client.get(f"/exports/{job.pk}/download/")
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded(response)))["Contacts"]
    xlsx_rows = [
        ["" if value is None else str(value) for value in row] for row in sheet.iter_rows(values_only=True)
    ]
    # Then the cells are the same (numbers stay numbers in the workbook)
    assert xlsx_rows == csv_rows
    assert [sheet["H2"].value, sheet["H3"].value] == [10, -3]  # newest first; same time, so higher id first
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="contacts-{datetime.date.today():%Y-%m-%d}.xlsx"'
    )


# --- background path, progress, downloads ---------------------------------------------------------


def test_a_large_csv_export_runs_in_the_background_with_progress_per_chunk(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    # Given more matching contacts than stream directly (limit lowered to 3, chunks of 2)
    monkeypatch.setattr(selectors, "DIRECT_DOWNLOAD_LIMIT", 3)
    monkeypatch.setattr(selectors, "CHUNK_SIZE", 2)
    monkeypatch.setattr(selectors.export_chunks, "__defaults__", (2,))
    contacts = ContactFactory.create_batch(5)
    owner = UserFactory(role=Role.ADMIN)
    client.force_login(owner)
    # When the user exports them
    with CaptureQueriesContext(connection) as queries:
        job = run_background(client, django_capture_on_commit_callbacks)
    # Then a job wrote the file, reporting progress after each chunk, and it downloads as an attachment
    job.refresh_from_db()
    # (each progress update also renews the runner's lease: SET "lease_until" = …, "processed_rows" = …)
    progress = [
        query["sql"]
        for query in queries
        if query["sql"].startswith('UPDATE "exports_exportjob" SET "lease_until"')
        and '"processed_rows"' in query["sql"]
        and '"status"' not in query["sql"].split(" WHERE ")[0]  # the final release sets the status too
    ]
    assert [sql.split('"processed_rows" = ')[1].split(" ")[0] for sql in progress] == ["2", "4", "5"]
    assert (job.status, job.delivery, job.row_count, job.processed_rows) == ("finished", "file", 5, 5)
    assert job.started_at is not None and job.finished_at is not None
    response = client.get(f"/exports/{job.pk}/download/")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    # newest first, as the list shows them
    assert ids_in(read_csv(downloaded(response))) == [contact.pk for contact in reversed(contacts)]
    page = client.get(f"/exports/{job.pk}/").content.decode()
    assert '<progress id="export-progress-bar" max="100" value="100">100%</progress>' in page
    assert f'href="/exports/{job.pk}/download/"' in page
    assert "every 1s" not in page


def test_a_queued_export_page_polls_and_htmx_gets_only_the_progress_fragment(client):
    # Given an XLSX export whose task has not run yet (the commit callback is not executed)
    ContactFactory()
    client.force_login(UserFactory(role=Role.ADMIN))
    post_export(client, file_format="xlsx")
    job = ExportJob.objects.get()
    # When the page is opened, then polled by htmx
    page = client.get(f"/exports/{job.pk}/").content.decode()
    fragment = client.get(
        f"/exports/{job.pk}/", headers={"HX-Request": "true", "HX-Target": "export-progress"}
    ).content.decode()
    # Then the page polls every second with an indeterminate bar, the fragment is the region alone
    assert job.status == "queued"
    assert f'hx-get="/exports/{job.pk}/" hx-trigger="every 1s"' in page
    assert '<progress id="export-progress-bar" max="100">Waiting</progress>' in page
    assert f"/exports/{job.pk}/download/" not in page
    assert fragment.lstrip().startswith('<div id="export-progress"')
    assert "<html" not in fragment
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404


def test_running_the_task_twice_writes_the_file_once(
    client, django_capture_on_commit_callbacks, export_files
):
    ContactFactory()
    client.force_login(UserFactory(role=Role.ADMIN))
    job = run_background(client, django_capture_on_commit_callbacks, file_format="xlsx")

    again = services.run_export(job.pk)

    assert again is None
    assert [path.name for path in export_files.iterdir()] == [ExportJob.objects.get().file_name]


def test_another_user_gets_404_for_the_page_and_the_file_and_nothing_leaks(
    client, django_capture_on_commit_callbacks
):
    # Given an admin's finished export of a contact
    ContactFactory(email="secret@example.com")
    owner = UserFactory(role=Role.ADMIN)
    client.force_login(owner)
    job = run_background(client, django_capture_on_commit_callbacks, file_format="xlsx")
    # When another admin asks for its page, its file and the export list
    client.force_login(UserFactory(role=Role.ADMIN))
    page = client.get(f"/exports/{job.pk}/")
    file = client.get(f"/exports/{job.pk}/download/")
    listing = client.get("/exports/")
    # Then both answer 404, their list does not show it, and nothing changed
    assert (page.status_code, file.status_code) == (404, 404)
    assert b"secret@example.com" not in page.content + file.content + listing.content
    assert f"/exports/{job.pk}/" not in listing.content.decode()
    assert list(ExportJob.objects.values_list("pk", "status", "user_id")) == [(job.pk, "finished", owner.pk)]


def test_my_exports_lists_only_mine_newest_first(client):
    me = UserFactory(role=Role.ADMIN)
    older = ExportJob.objects.create(user=me, object_type="contact", file_format="csv", created_at=WHEN)
    newer = ExportJob.objects.create(
        user=me, object_type="company", file_format="xlsx", created_at=WHEN + datetime.timedelta(hours=1)
    )
    ExportJob.objects.create(user=UserFactory(), object_type="contact", file_format="csv", created_at=WHEN)
    client.force_login(me)

    response = client.get("/exports/")

    assert [job.pk for job in response.context["page"].rows] == [newer.pk, older.pk]


# --- audit ------------------------------------------------------------------------------------------


def test_a_direct_download_writes_one_audit_row_with_who_what_how_many_and_format(client):
    ContactFactory.create_batch(2, lifecycle_stage=LifecycleStage.MQL)
    ContactFactory(lifecycle_stage=LifecycleStage.LEAD)
    user = UserFactory(role=Role.MARKETING)
    client.force_login(user)

    streamed(post_export(client, query="stage=mql&q=", columns=["score"]))

    entry = LogEntry.objects.get(additional_data__event="export")
    job = ExportJob.objects.get()
    assert (entry.actor_id, entry.object_pk, entry.action) == (user.pk, str(job.pk), LogEntry.Action.ACCESS)
    assert entry.additional_data == {
        "event": "export",
        "object_type": "contact",
        "query": "stage=mql&q=",
        "filters": ["Stage: Marketing qualified lead"],
        "columns": ["id", "first_name", "last_name", "email", "score"],
        "rows": 2,
        "format": "csv",
    }


def test_a_background_export_is_audited_once_with_the_rows_written(
    client, django_capture_on_commit_callbacks
):
    ContactFactory.create_batch(3)
    user = UserFactory(role=Role.ADMIN)
    client.force_login(user)

    job = run_background(client, django_capture_on_commit_callbacks, file_format="xlsx")

    entry = LogEntry.objects.get(additional_data__event="export")
    assert entry.actor_id == user.pk
    assert entry.object_pk == str(job.pk)
    assert (entry.additional_data["rows"], entry.additional_data["format"]) == (3, "xlsx")
    assert entry.additional_data["filters"] == []


def test_an_unknown_format_is_refused_and_nothing_is_recorded(client):
    ContactFactory()
    client.force_login(UserFactory(role=Role.ADMIN))

    response = post_export(client, file_format="pdf")

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file_format": ["Select a valid choice. pdf is not one of the available choices."]
    }
    exports_audited = LogEntry.objects.filter(additional_data__event="export").count()
    assert (ExportJob.objects.count(), exports_audited) == (0, 0)


def test_the_service_refuses_a_type_that_cannot_be_exported():
    user = UserFactory(role=Role.ADMIN)

    with pytest.raises(services.ValidationError) as error:
        services.start_export(actor=user, object_type="user", query="", column_keys=[], file_format="csv")

    assert error.value.messages == ["Only contacts and companies can be exported."]
    assert ExportJob.objects.count() == 0


# --- memory: chunked reads ---------------------------------------------------------------------------


def test_twenty_thousand_rows_are_read_in_keyset_chunks_not_one_fetch(
    client, django_capture_on_commit_callbacks
):
    # Given 20,000 contacts (more than stream directly, so the export runs as a job)
    Contact.objects.bulk_create(
        [Contact(email=f"person{index}@example.com", first_name=f"P{index}") for index in range(20_000)]
    )
    client.force_login(UserFactory(role=Role.ADMIN))
    # When they are exported with tags
    with CaptureQueriesContext(connection) as queries:
        job = run_background(client, django_capture_on_commit_callbacks, columns=["tags"])
    # Then the rows came in 4 chunks of 5,000 (and one empty read to find the end), each with one tags query,
    # each chunk starting after the previous chunk's last row in the list's order (newest first: a keyset on
    # created_at and id); no query read every row at once
    row_reads = [
        query["sql"]
        for query in queries
        if query["sql"].startswith('SELECT "contacts_contact"."id" AS "id", "contacts_contact"."first_name"')
    ]
    tag_reads = [query["sql"] for query in queries if 'FROM "contacts_contacttag"' in query["sql"]]
    assert len(row_reads) == 5
    assert all(f"LIMIT {selectors.CHUNK_SIZE}" in sql for sql in row_reads)
    assert all(sql.endswith(f"DESC, 1 DESC LIMIT {selectors.CHUNK_SIZE}") for sql in row_reads)
    assert "OFFSET" not in " ".join(row_reads)
    assert len(tag_reads) == 4
    keyset = ['"contacts_contact"."created_at" <' in sql for sql in row_reads]
    assert keyset == [False, True, True, True, True]
    exported = ids_in(read_csv(downloaded(client.get(f"/exports/{job.pk}/download/"))))
    assert exported == list(Contact.objects.order_by("-created_at", "-id").values_list("id", flat=True))
    job.refresh_from_db()
    assert (job.row_count, job.processed_rows) == (20_000, 20_000)
    assert len(read_csv(downloaded(client.get(f"/exports/{job.pk}/download/")))) == 20_001


def test_the_chunk_reader_holds_one_chunk_at_a_time():
    # Given 12 contacts read in chunks of 5
    Contact.objects.bulk_create([Contact(email=f"c{index}@example.com") for index in range(12)])
    columns = services.export_columns.choose("contact", [], [])
    # When the chunks are taken one by one
    chunks = selectors.export_chunks(Contact.objects.all(), columns, chunk_size=5)
    # Then each is a list of at most 5 rows, produced lazily (a generator, not a list)
    assert not isinstance(chunks, list)
    assert [len(chunk) for chunk in chunks] == [5, 5, 2]


# --- list pages ------------------------------------------------------------------------------------


def test_the_list_pages_link_to_export_with_their_filter(client):
    client.force_login(UserFactory(role=Role.ADMIN))

    contacts = client.get("/contacts/?stage=mql").content.decode()
    companies = client.get("/companies/?industry=Software").content.decode()

    assert 'href="/exports/contacts/new/?stage=mql" data-export-link>Export</a>' in contacts
    assert 'href="/exports/companies/new/?industry=Software"' in companies
    assert Company.objects.count() == 0


# --- housekeeping ------------------------------------------------------------------------------------


def test_housekeeping_fails_dead_exports_and_deletes_old_files(
    client, django_capture_on_commit_callbacks, export_files
):
    # Given a finished export 8 days old with its file, a fresh one, and one whose worker died 3 hours ago
    ContactFactory()
    user = UserFactory(role=Role.ADMIN)
    client.force_login(user)
    old = run_background(client, django_capture_on_commit_callbacks, file_format="xlsx")
    fresh = run_background(client, django_capture_on_commit_callbacks, file_format="xlsx")
    now = old.created_at + datetime.timedelta(days=8)
    ExportJob.objects.filter(pk=fresh.pk).update(created_at=now)
    dead = ExportJob.objects.create(
        user=user, object_type="contact", file_format="csv", status="running",
        started_at=now - datetime.timedelta(hours=3), created_at=now - datetime.timedelta(hours=3),
    )  # fmt: skip
    old_file = export_files / ExportJob.objects.get(pk=old.pk).file_name
    # When the hourly housekeeping runs
    result = services.expire_exports(now=now)
    # Then the dead one failed, the old file is gone (its row stays), the fresh one is untouched
    assert result == (1, 1)
    assert not old_file.exists()
    assert ExportJob.objects.get(pk=old.pk).file_name == ""
    assert ExportJob.objects.get(pk=fresh.pk).has_file
    assert ExportJob.objects.get(pk=dead.pk).status == "failed"
    assert client.get(f"/exports/{old.pk}/download/").status_code == 404
    assert (
        "The file was deleted 7 days after it was made." in client.get(f"/exports/{old.pk}/").content.decode()
    )
