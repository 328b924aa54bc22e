"""The demo company's playbooks: 15-20 objections with answers, three battle cards, answer uses; searchable
(the index was filled by the triggers), valid by the services' rules, the same on every run."""

import datetime

import pytest

from tandem.core.models import Role, User
from tandem.demo.generator.context import GeneratorConfig, GeneratorContext
from tandem.demo.generator.playbooks import create_playbooks
from tandem.demo.writer import RowWriter
from tandem.sales.playbooks import selectors
from tandem.sales.playbooks.models import Answer, AnswerUse, BattleCard, Objection

END = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)


def build() -> list[tuple]:
    sales = User.objects.get_or_create(email="sales@demo.example", defaults={"role": Role.SALES})[0]
    context = GeneratorContext(
        config=GeneratorConfig(contacts=0, companies=0, today=END.date()),
        writer=RowWriter(),
        start_at=END - datetime.timedelta(days=365),
        end_at=END,
        users={"sales": sales},
    )
    create_playbooks(context)
    return list(AnswerUse.objects.order_by("id").values_list("answer__text", "helped", "at"))


@pytest.mark.django_db
def test_the_demo_playbooks_are_complete_searchable_and_deterministic():
    first = build()
    second = build()
    assert first == second and len(first) > 30
    assert 15 <= Objection.objects.count() <= 20
    assert all(objection.answers.exists() for objection in Objection.objects.all())
    assert BattleCard.objects.count() == 3
    assert all(card.objections.count() == 2 for card in BattleCard.objects.all())
    assert all(END - datetime.timedelta(days=365) <= at < END for _, _, at in first)
    assert Answer.objects.count() == 23
    # The demo's questions find what a rep would expect
    top = selectors.search_answers("that's way too expensive", limit=3)
    assert top[0].objection.text == "It's too expensive for a team our size"
    assert (
        selectors.search_answers("is my data secure", limit=1)[0].objection.text
        == "Is our data safe with you?"
    )


@pytest.mark.django_db
def test_the_demo_catalog_has_a_dozen_valid_products():
    from tandem.demo.generator.catalog import create_catalog
    from tandem.sales.catalog.models import Product
    from tandem.sales.catalog.services import _clean

    context = GeneratorContext(
        config=GeneratorConfig(contacts=0, companies=0, today=END.date()),
        writer=RowWriter(),
        start_at=END - datetime.timedelta(days=365),
        end_at=END,
    )
    create_catalog(context)
    create_catalog(context)
    products = list(Product.objects.order_by("sku"))
    assert len(products) == 12 and sum(product.active for product in products) == 11
    for product in products:  # every row passes the services' own rules
        _clean(
            {name: getattr(product, name) for name in ("name", "sku", "price", "billing", "currency")},
            product,
        )
