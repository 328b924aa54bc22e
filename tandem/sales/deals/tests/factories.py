"""Factories for the deals tests: rows written directly, so a test sets up any state and then calls the one
service it is about."""

import factory
from django.utils import timezone

from tandem.sales.deals.models import Deal, Pipeline, Stage, StageKind


class PipelineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pipeline

    name = factory.Sequence(lambda number: f"Pipeline {number}")
    order = factory.Sequence(lambda number: number + 10)


def make_pipeline(name: str = "Test pipeline") -> tuple[Pipeline, dict[str, Stage]]:
    """A pipeline with Lead (10 %), Proposal (50 %, needs an amount), Won (100 %) and Lost (0 %)."""
    pipeline = PipelineFactory(name=name)
    rows = [
        ("Lead", 10, 7, [], StageKind.OPEN),
        ("Proposal", 50, 14, ["amount"], StageKind.OPEN),
        ("Won", 100, None, [], StageKind.WON),
        ("Lost", 0, None, [], StageKind.LOST),
    ]
    stages = {}
    for order, (stage_name, probability, rotting, required, kind) in enumerate(rows):
        stages[stage_name] = Stage.objects.create(
            pipeline=pipeline,
            name=stage_name,
            order=order,
            probability=probability,
            rotting_days=rotting,
            required_fields=required,
            kind=kind,
        )
    return pipeline, stages


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    name = factory.Sequence(lambda number: f"Deal {number}")
    currency = "EUR"
    owner = None
    team = factory.LazyAttribute(lambda deal: deal.owner.team if deal.owner else None)
    pipeline = factory.LazyAttribute(lambda deal: deal.stage.pipeline)
    status = factory.LazyAttribute(lambda deal: deal.stage.kind)
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)
    stage_entered_at = factory.LazyFunction(timezone.now)
