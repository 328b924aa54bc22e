"""The record layer proved on a third record type defined only in the tests (tandem.core.tests.recordapp):
list, detail, form, trash, bulk and permissions work from its declaration and services alone."""

import re

import pytest
from django.urls import reverse

from tandem.core.models import Role, Team, User
from tandem.core.records import registry
from tandem.core.tests.recordapp.models import Widget

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tandem.core.tests.recordapp.urls")]


@pytest.fixture
def team():
    return Team.objects.create(name="North")


@pytest.fixture
def admin(team):
    return User.objects.create_user("admin@example.com", "pw", role=Role.ADMIN, team=team, first_name="Ada")


@pytest.fixture
def seller(team):
    return User.objects.create_user("sales@example.com", "pw", role=Role.SALES, team=team, first_name="Sam")


def names_in(response) -> list[str]:
    return re.findall(
        r'<td class="cell-primary"><a href="/widgets/\d+/"><bdi>([^<]*)</bdi></a>', response.content.decode()
    )


def test_the_widget_is_registered_and_its_urls_are_generated():
    widget_type = registry.get("widget")

    assert widget_type.url_name("detail") == "widgets:widget_detail"
    assert reverse("widgets:widget_list") == "/widgets/"
    assert reverse("widgets:widget_detail", args=[3]) == "/widgets/3/"
    assert reverse("widgets:widget_trash") == "/widgets/trash/"


def test_list_filters_sorts_and_reports_unknown_parameters(client, admin):
    Widget.objects.create(name="Beta", colour="blue", owner=admin)
    Widget.objects.create(name="Alpha", colour="blue", owner=admin)
    Widget.objects.create(name="Gamma", colour="red", owner=None)
    client.force_login(admin)

    blue = client.get("/widgets/", {"colour": "blue", "sort": "name"})
    unowned = client.get("/widgets/", {"owner": "none"})
    typo = client.get("/widgets/", {"colur": "blue", "sort": "name"})

    assert names_in(blue) == ["Alpha", "Beta"]
    assert "2 widgets" in blue.content.decode()
    assert names_in(unowned) == ["Gamma"]
    assert "“colur” is not a filter of the widgets list; it was ignored." in typo.content.decode()
    assert names_in(typo) == ["Alpha", "Beta", "Gamma"]


def test_create_edit_detail_through_the_generic_form(client, admin):
    client.force_login(admin)

    refused = client.post("/widgets/new/", {"name": "  ", "colour": "blue"})
    created = client.post("/widgets/new/", {"name": "Sprocket", "colour": "blue", "owner": str(admin.pk)})
    widget = Widget.objects.get()
    edited = client.post(f"/widgets/{widget.pk}/edit/", {"name": "Sprocket II", "colour": "red", "owner": ""})
    detail = client.get(f"/widgets/{widget.pk}/")

    widget.refresh_from_db()
    assert refused.status_code == 200
    assert "Give the widget a name." in refused.content.decode()
    assert created["Location"] == f"/widgets/{widget.pk}/"
    assert edited["Location"] == f"/widgets/{widget.pk}/"
    assert (widget.name, widget.colour, widget.owner_id) == ("Sprocket II", "red", None)
    content = detail.content.decode()
    assert "<h1><bdi>Sprocket II</bdi></h1>" in content
    assert "<dt>Colour</dt><dd><bdi>Red</bdi></dd>" in content
    assert "<dt>Owner</dt><dd><bdi>Unowned</bdi></dd>" in content


def test_bulk_trash_and_restore(client, admin):
    first = Widget.objects.create(name="One", owner=admin, team=admin.team)
    second = Widget.objects.create(name="Two", owner=admin, team=admin.team)
    client.force_login(admin)

    coloured = client.post(
        "/widgets/bulk/",
        {
            "ids": [str(first.pk), str(second.pk)],
            "action": "set_colour",
            "colour": "blue",
            "query": "sort=name",
        },
    )
    page = client.get(coloured["Location"])
    trashed = client.post("/widgets/bulk/", {"ids": [str(first.pk)], "action": "delete"}, follow=True)
    trash = client.get("/widgets/trash/")
    restored = client.post(f"/widgets/{first.pk}/restore/")

    assert coloured["Location"] == "/widgets/?sort=name"
    assert "Updated 2 widgets." in page.content.decode()
    assert "Moved 1 widget to the trash." in trashed.content.decode()
    assert "One" in trash.content.decode()
    assert restored["Location"] == f"/widgets/{first.pk}/"
    assert list(Widget.objects.order_by("pk").values_list("colour", "deleted_at")) == [
        ("blue", None),
        ("blue", None),
    ]


def test_permissions_hold_and_nothing_changes(client, admin, seller):
    other_team = Team.objects.create(name="South")
    stranger = User.objects.create_user("reader@example.com", "pw", role=Role.READ_ONLY, team=other_team)
    theirs = Widget.objects.create(name="Theirs", owner=admin, team=admin.team)
    client.force_login(stranger)

    listing = client.get("/widgets/")
    detail = client.get(f"/widgets/{theirs.pk}/")
    edit = client.post(f"/widgets/{theirs.pk}/edit/", {"name": "Hacked", "colour": "blue"})
    delete = client.post(f"/widgets/{theirs.pk}/delete/")
    create = client.post("/widgets/new/", {"name": "Mine"})
    bulk = client.post("/widgets/bulk/", {"ids": [str(theirs.pk)], "action": "delete"})
    client.force_login(seller)  # sales: change within the team, delete only what they own
    seller_delete = client.post(f"/widgets/{theirs.pk}/delete/")

    theirs.refresh_from_db()
    assert names_in(listing) == []
    assert [detail.status_code, edit.status_code, delete.status_code, create.status_code] == [
        404,
        404,
        404,
        403,
    ]
    assert bulk.status_code == 302
    assert seller_delete.status_code == 403
    assert (theirs.name, theirs.colour, theirs.deleted_at) == ("Theirs", "red", None)
    assert Widget.objects.count() == 1


def test_a_trashed_records_page_offers_restore_to_who_may(client, admin, seller):
    from django.utils import timezone

    widget = Widget.objects.create(name="Binned", owner=admin, team=admin.team, deleted_at=timezone.now())
    client.force_login(admin)
    as_admin = client.get(f"/widgets/{widget.pk}/")
    client.force_login(seller)  # sales may see it but delete (and so restore) only their own
    as_seller = client.get(f"/widgets/{widget.pk}/")
    missing = client.get("/widgets/999999/")

    assert as_admin.status_code == 404
    assert "Binned is in the trash" in as_admin.content.decode()
    assert f'action="/widgets/{widget.pk}/restore/"' in as_admin.content.decode()
    assert as_seller.status_code == 404
    assert "Ask someone who may delete widgets to restore it." in as_seller.content.decode()
    assert "/restore/" not in as_seller.content.decode()
    assert "is in the trash" not in missing.content.decode()


def test_an_app_adds_a_panel_to_a_record_page_without_the_page_knowing_it(client, admin):
    widget = Widget.objects.create(name="Panelled", owner=admin, team=admin.team)
    registry.register_panel(
        "widget",
        registry.Panel(
            "extra",
            "recordapp/_note_panel.html",
            lambda request, record: {"panel_text": f"{record.name} has 2 deals"},
            region="main",
        ),
    )
    client.force_login(admin)
    try:
        content = client.get(f"/widgets/{widget.pk}/").content.decode()
    finally:
        registry._PANELS["widget"] = [
            panel for panel in registry.panels_for("widget") if panel.key != "extra"
        ]

    assert "<p>Panelled has 2 deals</p>" in content


def test_the_catalogue_reads_lengths_from_the_model_and_the_form_uses_them(client, admin):
    widget_type = registry.get("widget")
    client.force_login(admin)

    content = client.get("/widgets/new/").content.decode()

    assert widget_type.field("name").max_length(Widget) == 80
    assert re.search(r'<input[^>]*name="name"[^>]*maxlength="80"', content)
    assert widget_type.field("owner").max_length(Widget) is None


def test_a_stale_form_warns_keeps_the_input_and_saves_on_the_second_try(client, admin):
    from tandem.core.tests.recordapp import services as widget_services

    widget = Widget.objects.create(name="Original", owner=admin, team=admin.team)
    client.force_login(admin)
    opened = client.get(f"/widgets/{widget.pk}/edit/").content.decode()
    version = re.search(r'name="record_version" value="([^"]+)"', opened).group(1)
    widget_services.update_widget(actor=admin, widget=widget, values={"colour": "blue"})  # someone else
    their_version = widget_services.widget_version(Widget.objects.get(pk=widget.pk))

    stale = client.post(
        f"/widgets/{widget.pk}/edit/",
        {"name": "Mine", "colour": "red", "owner": str(admin.pk), "record_version": version},
    )
    widget.refresh_from_db()
    name_after_stale = widget.name
    newer = re.search(r'name="record_version" value="([^"]+)"', stale.content.decode()).group(1)
    again = client.post(
        f"/widgets/{widget.pk}/edit/",
        {"name": "Mine", "colour": "red", "owner": str(admin.pk), "record_version": newer},
    )

    widget.refresh_from_db()
    content = stale.content.decode()
    assert stale.status_code == 200
    assert "Someone else changed this record while you were editing; review their changes." in content
    assert 'value="Mine"' in content
    assert name_after_stale == "Original"
    assert content.count("Someone else changed this record") == 1
    assert newer == their_version
    assert again["Location"] == f"/widgets/{widget.pk}/"
    assert (widget.name, widget.colour) == ("Mine", "red")


def test_custom_properties_work_for_a_type_that_only_declares_its_properties_column(client, admin):
    client.force_login(admin)
    # Define one on the settings page, which offers every type that declares properties.
    settings_form = client.get(reverse("contacts:property_create")).content.decode()
    defined = client.post(
        reverse("contacts:property_create"),
        {
            "object_type": "widget",
            "label": "Tier",
            "name": "tier",
            "value_type": "choice",
            "choices": "Gold\nSilver",
        },
    )
    gold = Widget.objects.create(name="Gold one", owner=admin)
    Widget.objects.create(name="Plain one", owner=admin)

    # Set it through the generic form; a value that is not an option is refused with the property's words.
    refused = client.post(
        f"/widgets/{gold.pk}/edit/",
        {"name": "Gold one", "colour": "red", "owner": "", "property:tier": "Lead"},
    )
    saved = client.post(
        f"/widgets/{gold.pk}/edit/",
        {"name": "Gold one", "colour": "red", "owner": "", "property:tier": "Gold"},
    )
    gold.refresh_from_db()
    # Filter the list by it, show it as a column, see it on the record's page.
    filtered = client.get("/widgets/", {"property:tier": "Gold"})
    client.post("/widgets/columns/", {"columns": ["colour", "property:tier"]})
    with_column = client.get("/widgets/", {"sort": "name"}).content.decode()
    detail = client.get(f"/widgets/{gold.pk}/").content.decode()

    assert '<option value="widget">Widget</option>' in settings_form
    assert defined["Location"] == reverse("contacts:property_list")
    assert "Tier: “Lead” is not one of Gold, Silver." in refused.content.decode()
    assert saved["Location"] == f"/widgets/{gold.pk}/"
    assert gold.properties == {"tier": "Gold"}
    assert names_in(filtered) == ["Gold one"]
    assert '<th scope="col">Tier</th>' in with_column
    assert "<td><bdi>Red</bdi></td><td><bdi>Gold</bdi></td></tr>" in with_column
    assert "<td><bdi>Red</bdi></td><td></td></tr>" in with_column
    assert "<dt>Tier</dt><dd><bdi>Gold</bdi></dd>" in detail

    # "All matching" a property filter (the layer's RecordType.filtered) changes only the matching widgets,
    # and the list counts only them (the layer's default list: the widget declares no list selector).
    bulk = client.post(
        "/widgets/bulk/",
        {"scope": "matching", "query": "property:tier=Gold", "action": "set_colour", "colour": "blue"},
    )
    assert bulk.status_code == 302
    assert dict(Widget.objects.values_list("name", "colour")) == {"Gold one": "blue", "Plain one": "red"}
    assert "1 widget" in filtered.content.decode()
    assert registry.get("widget").selectors.list is None


@pytest.mark.parametrize(
    ("query", "opens", "count"),
    [
        ({"q": "Alpha"}, False, None),
        ({"colour": "blue"}, True, "1"),
        ({"q": "Alpha", "colour": "blue", "owner": "none"}, True, "2"),
        ({}, False, None),
    ],
)
def test_more_filters_opens_only_when_a_filter_inside_it_is_active(client, admin, query, opens, count):
    # Given a widget and a signed-in admin
    Widget.objects.create(name="Alpha", colour="blue", owner=admin)
    client.force_login(admin)

    # When the list is asked for with a search, panel filters, both or nothing
    content = client.get("/widgets/", query).content.decode()

    # Then the panel is open (with its count) only for a filter inside it; the search alone keeps it shut
    assert ('<details class="record-filters" open>' in content) is opens
    shown = re.search(r'More filters <span class="record-filters-count">(\d+)</span>', content)
    assert (shown.group(1) if shown else None) == count
