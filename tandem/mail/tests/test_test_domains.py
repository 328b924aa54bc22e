"""Addresses in .test (the demo company's) are mail addresses outside production, and refused in it."""

import pytest

from tandem.mail.models import Category
from tandem.mail.services.ledger import InvalidMessage, queue_message

pytestmark = pytest.mark.django_db


def _queue():
    return queue_message(
        key="demo:1", category=Category.TRANSACTIONAL, to=["admin@demo.tandem.test"], subject="Hello",
        text="Hello", from_address="Northwind <hello@demo.tandem.test>",
    )  # fmt: skip


def test_outside_production_a_test_domain_is_accepted(settings):
    settings.TANDEM_MAIL_ALLOW_TEST_DOMAINS = True

    message = _queue()

    assert (message.recipients, message.from_address) == (
        ["admin@demo.tandem.test"],
        "Northwind <hello@demo.tandem.test>",
    )


def test_in_production_a_test_domain_is_refused_with_the_reason(settings):
    settings.TANDEM_MAIL_ALLOW_TEST_DOMAINS = False

    with pytest.raises(InvalidMessage) as refused:
        _queue()

    assert refused.value.messages == [
        "The recipient address “admin@demo.tandem.test” is not valid: The part after the @-sign is a special-use "
        "or reserved name that cannot be used with email."
    ]


def test_other_special_use_names_stay_refused(settings):
    settings.TANDEM_MAIL_ALLOW_TEST_DOMAINS = True

    with pytest.raises(InvalidMessage):
        queue_message(
            key="x:1", category=Category.TRANSACTIONAL, to=["a@host.invalid"], subject="Hi", text="Hi",
        )  # fmt: skip
