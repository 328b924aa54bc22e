"""Settings → Pipelines: the rules a pipeline keeps (one open, won and lost stage; unique stage names; a
stage holding deals keeps its kind and is removed only with its deals moved in the same transaction),
archiving, reordering, the audit, and refusals that change nothing."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.sales.deals import selectors, services
from tandem.sales.deals.models import Deal, DealStageChange, Pipeline, Stage
from tandem.sales.deals.services.pipelines import (
    StageInput,
    archive_pipeline,
    make_default_pipeline,
    move_pipeline,
    save_pipeline,
)
from tandem.sales.deals.tests.factories import DealFactory, make_pipeline

pytestmark = pytest.mark.django_db


def rows_of(pipeline: Pipeline) -> list[StageInput]:
    return [
        StageInput(
            id=stage.pk,
            name=stage.name,
            probability=stage.probability,
            rotting_days=stage.rotting_days,
            required_fields=stage.required_fields,
            kind=stage.kind,
        )
        for stage in pipeline.stages.filter(archived_at__isnull=True)
    ]


def live_stages(pipeline) -> list[tuple]:
    return list(
        pipeline.stages.filter(archived_at__isnull=True).values_list("name", "order", "probability", "kind")
    )


@pytest.fixture
def admin():
    return UserFactory(role=Role.ADMIN)


def test_a_new_pipeline_needs_an_open_a_won_and_a_lost_stage(admin):
    with pytest.raises(ValidationError) as error:
        save_pipeline(
            actor=admin,
            pipeline=None,
            name="Partners",
            stages=[
                StageInput(name="Intro", probability=10),
                StageInput(name="Signed", probability=100, kind="won"),
            ],
        )
    assert error.value.message_dict == {
        "stages": [
            "A pipeline needs at least one open, one won and one lost stage (deals are closed into them); "
            "add a lost stage."
        ]
    }
    assert not Pipeline.objects.filter(name="Partners").exists()
    pipeline = save_pipeline(
        actor=admin,
        pipeline=None,
        name="  Partners   Ü  ",
        stages=[
            StageInput(
                name="Intro", probability="10", rotting_days="14", required_fields=["amount", "amount"]
            ),
            StageInput(name="Signed", probability=100, kind="won"),
            StageInput(name="Gone", probability=0, kind="lost"),
            StageInput(name="", probability=""),  # a spare row of the form
        ],
    )
    assert pipeline.name == "Partners Ü"
    assert live_stages(pipeline) == [
        ("Intro", 0, 10, "open"),
        ("Signed", 1, 100, "won"),
        ("Gone", 2, 0, "lost"),
    ]
    assert pipeline.stages.get(name="Intro").required_fields == ["amount"]
    entry = LogEntry.objects.get(additional_data__event="pipeline_settings")
    assert entry.changes_dict["name"] == ["", "Partners Ü"]


def test_bad_values_are_refused_by_row_and_nothing_changes(admin):
    pipeline, stages = make_pipeline()
    rows = rows_of(pipeline)
    rows[0].probability = "101"
    rows[1].rotting_days = "-3"
    rows[1].name = "lead"
    rows[2].required_fields = ["owner"]
    with pytest.raises(ValidationError) as error:
        save_pipeline(actor=admin, pipeline=pipeline, name="Other name", stages=rows)
    assert error.value.message_dict == {
        "stage.0.probability": ["A whole number from 0 to 100."],
        "stage.1.rotting_days": ["Leave empty, or a whole number of days from 1 to 3,650."],
        "stage.2.required_fields": ["Choose required fields from the list."],
        "stages": ["Two stages cannot have the same name: rename one of them."],
    }
    pipeline.refresh_from_db()
    assert pipeline.name == "Test pipeline"
    assert live_stages(pipeline) == [
        ("Lead", 0, 10, "open"),
        ("Proposal", 1, 50, "open"),
        ("Won", 2, 100, "won"),
        ("Lost", 3, 0, "lost"),
    ]


def test_rename_reorder_and_add_stages(admin):
    pipeline, stages = make_pipeline()
    rows = rows_of(pipeline)
    rows[0], rows[1] = rows[1], rows[0]
    rows[0].name = "Offer"
    rows.insert(2, StageInput(name="Negotiation", probability=70, rotting_days=10))
    save_pipeline(actor=admin, pipeline=pipeline, name="New business", stages=rows)
    pipeline.refresh_from_db()
    assert pipeline.name == "New business"
    assert live_stages(pipeline) == [
        ("Offer", 0, 50, "open"),
        ("Lead", 1, 10, "open"),
        ("Negotiation", 2, 70, "open"),
        ("Won", 3, 100, "won"),
        ("Lost", 4, 0, "lost"),
    ]


def test_a_stage_holding_deals_keeps_its_kind_and_is_removed_only_with_its_deals_moved(admin):
    pipeline, stages = make_pipeline()
    deals = [DealFactory(stage=stages["Lead"]) for _ in range(3)]
    rows = rows_of(pipeline)
    rows[0].kind = "won"
    with pytest.raises(ValidationError) as error:
        save_pipeline(actor=admin, pipeline=pipeline, name=pipeline.name, stages=rows)
    assert error.value.message_dict["stage.0.kind"] == [
        "Lead holds 3 deals: its kind cannot change (their status is that kind). Add a new stage instead."
    ]
    rows = rows_of(pipeline)
    rows[0].remove = True
    with pytest.raises(ValidationError) as error:
        save_pipeline(actor=admin, pipeline=pipeline, name=pipeline.name, stages=rows)
    assert error.value.message_dict == {
        "stage.0.move_to": ["Lead holds 3 deals: choose the stage they move to."]
    }
    rows[0].move_to = stages["Won"].pk
    with pytest.raises(ValidationError) as error:
        save_pipeline(actor=admin, pipeline=pipeline, name=pipeline.name, stages=rows)
    assert error.value.message_dict == {
        "stage.0.move_to": ["Move the 3 deals of Lead to another open stage."]
    }
    assert set(Deal.objects.values_list("stage_id", flat=True)) == {stages["Lead"].pk}
    # moved to Proposal in the same save: the deals move with a history row each, Lead is archived (its
    # history still names it), the board no longer shows it
    rows[0].move_to = str(stages["Proposal"].pk)
    save_pipeline(actor=admin, pipeline=pipeline, name=pipeline.name, stages=rows)
    assert set(Deal.objects.values_list("stage_id", flat=True)) == {stages["Proposal"].pk}
    assert DealStageChange.objects.filter(from_stage=stages["Lead"], to_stage=stages["Proposal"]).count() == 3
    lead = Stage.objects.get(pk=stages["Lead"].pk)
    assert lead.archived_at is not None
    assert [column.stage.name for column in selectors.board(admin, pipeline, selectors.DealFilters())] == [
        "Proposal",
        "Won",
        "Lost",
    ]
    with pytest.raises(ValidationError):
        services.move_deal(actor=admin, deal=deals[0], stage=lead.pk)


def test_an_unused_stage_is_deleted(admin):
    pipeline, stages = make_pipeline()
    rows = rows_of(pipeline)
    rows[1].remove = True
    save_pipeline(actor=admin, pipeline=pipeline, name=pipeline.name, stages=rows)
    assert not Stage.objects.filter(pk=stages["Proposal"].pk).exists()


def test_archive_and_reorder_pipelines(admin):
    first, _ = make_pipeline("First")
    second, stages = make_pipeline("Second")
    make_default_pipeline(actor=admin, pipeline=first)
    first.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        archive_pipeline(actor=admin, pipeline=first)
    assert error.value.messages == ["Make another pipeline the default before archiving this one."]
    DealFactory(stage=stages["Lead"])
    with pytest.raises(ValidationError) as error:
        archive_pipeline(actor=admin, pipeline=second)
    assert error.value.messages == [
        "Second has 1 open deal: close them or move them to another pipeline first."
    ]
    Deal.objects.all().delete()
    archive_pipeline(actor=admin, pipeline=second)
    assert [pipeline.name for pipeline in selectors.pipelines()][-1:] == ["First"]
    archive_pipeline(actor=admin, pipeline=second, archived=False)
    move_pipeline(actor=admin, pipeline=second, direction="up")
    assert [pipeline.name for pipeline in selectors.pipelines()][-2:] == ["Second", "First"]


def test_only_admins_change_pipelines(admin, client):
    pipeline, _ = make_pipeline()
    rep = UserFactory(role=Role.SALES)
    with pytest.raises(PermissionDenied):
        save_pipeline(actor=rep, pipeline=pipeline, name="Mine", stages=rows_of(pipeline))
    client.force_login(rep)
    assert client.get(reverse("deals:pipeline_settings")).status_code == 403
    assert (
        client.post(
            reverse("deals:pipeline_edit", args=[pipeline.pk]), {"name": "Mine", "stage_count": "0"}
        ).status_code
        == 403
    )
    assert (
        client.post(reverse("deals:pipeline_action", args=[pipeline.pk]), {"action": "archive"}).status_code
        == 403
    )
    pipeline.refresh_from_db()
    assert (pipeline.name, pipeline.archived_at) == ("Test pipeline", None)
    assert not LogEntry.objects.filter(additional_data__event="pipeline_settings").exists()


def test_the_settings_pages_edit_a_pipeline(admin, client):
    pipeline, stages = make_pipeline()
    DealFactory(stage=stages["Lead"])
    client.force_login(admin)
    page = client.get(reverse("deals:pipeline_settings")).content.decode()
    assert "Test pipeline" in page and "Amount" in page
    form = client.get(reverse("deals:pipeline_edit", args=[pipeline.pk])).content.decode()
    assert 'name="stage-0-id"' in form and "Move its 1 deal to" in form
    data = {"name": "Renamed ✓", "stage_count": "5"}
    for index, stage in enumerate(stages.values()):
        data.update(
            {
                f"stage-{index}-id": str(stage.pk),
                f"stage-{index}-position": str((index + 1) * 10),
                f"stage-{index}-name": stage.name,
                f"stage-{index}-probability": str(stage.probability),
                f"stage-{index}-rotting_days": str(stage.rotting_days or ""),
                f"stage-{index}-kind": stage.kind,
            }
        )
    data.update(
        {
            "stage-4-name": "Demo",
            "stage-4-position": "15",
            "stage-4-probability": "abc",
            "stage-4-kind": "open",
        }
    )
    response = client.post(reverse("deals:pipeline_edit", args=[pipeline.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "A whole number from 0 to 100." in html and 'value="Renamed ✓"' in html and 'value="Demo"' in html
    data["stage-4-probability"] = "30"
    response = client.post(reverse("deals:pipeline_edit", args=[pipeline.pk]), data)
    assert response.status_code == 302
    pipeline.refresh_from_db()
    assert pipeline.name == "Renamed ✓"
    assert [name for name, *_ in live_stages(pipeline)] == ["Lead", "Demo", "Proposal", "Won", "Lost"]
