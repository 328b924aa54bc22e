"""The demo company's brand kit: complete (ready for marketing mail), valid by the kit's own rules, and the
same on every run (the logo's content hash included)."""

import datetime

import pytest

from tandem.brand import selectors, services
from tandem.brand.models import BrandKit
from tandem.demo.generator.brand import create_brand_kit
from tandem.demo.generator.context import GeneratorConfig, GeneratorContext
from tandem.demo.writer import RowWriter

END = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def build_kit() -> BrandKit:
    context = GeneratorContext(
        config=GeneratorConfig(contacts=0, companies=0, today=END.date()),
        writer=RowWriter(),
        start_at=END - datetime.timedelta(days=365),
        end_at=END,
    )
    create_brand_kit(context)
    return BrandKit.objects.get()


@pytest.mark.django_db
def test_the_demo_kit_is_complete_valid_and_deterministic():
    first = build_kit()
    second = build_kit()

    assert first.logo_hash == second.logo_hash == "82503295683166f43617430ff5683c11"
    assert (second.logo_width, second.logo_height, second.updated_at) == (528, 161, END)
    assert selectors.missing_for_marketing_mail() == []
    editable = {name: getattr(second, name) for name in services.EDITABLE_FIELDS}
    assert services.clean_changes(editable) == editable  # the kit passes its own rules unchanged
    assert len(second.pillars) == 4
    assert (
        selectors.brand_context(absolute_base_url="https://demo.example")["colours"][
            "primary_contrast_warning"
        ]
        == ""
    )
