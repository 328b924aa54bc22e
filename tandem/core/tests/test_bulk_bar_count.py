"""The bulk bar names the matching count as the list's own count does: with thousands separators."""

from types import SimpleNamespace

from django.template.loader import render_to_string

from tandem.core.records import registry


def test_the_bulk_bar_writes_a_large_matching_count_with_separators(settings):
    record_type = registry.get("contact")
    context = {
        "record_type": record_type,
        "rt": record_type,
        "result": SimpleNamespace(count=10000, count_is_capped=True),
        "page": SimpleNamespace(rows=[]),
        "bulk_in_background": True,
    }

    html = render_to_string("records/_bulk_bar.html", context)

    assert "Select all 10,000+ matching</button>" in html
    assert 'data-count-matching="All 10,000+ matching selected (runs in the background)"' in html
