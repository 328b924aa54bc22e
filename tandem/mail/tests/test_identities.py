"""Sending identities: the services (validation, verification links, default, DKIM keys per domain) and pages."""

import email
import re
from datetime import timedelta
from email import policy

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.mail.models import Category, Identity, Message
from tandem.mail.services import identities as services
from tandem.public.models import PublicLink

pytestmark = pytest.mark.django_db


def link_in(message: Message) -> str:
    """The verification link's path from the queued message's text."""
    text = (
        email.message_from_bytes(bytes(message.raw), policy=policy.default).get_body(("plain",)).get_content()
    )
    url = re.search(r"http\S+/p/identity_verification/\S+/", text).group(0)
    return url.split("127.0.0.1:8000", 1)[-1] if "127.0.0.1:8000" in url else "/" + url.split("/", 3)[3]


def verification_messages() -> list[Message]:
    return list(Message.objects.filter(key__startswith="identity-verification:").order_by("id"))


def test_create_identity_stores_it_unverified_and_queues_a_transactional_verification_message():
    admin = UserFactory(email="admin@example.com")

    identity = services.create_identity(
        actor=admin, from_name="Ada at Northwind", address="Ada@Northwind.example", reply_to=""
    )

    assert (identity.address, identity.verified_at, identity.is_default) == (
        "Ada@northwind.example",
        None,
        False,
    )
    [message] = verification_messages()
    assert (message.category, message.recipients, message.subject) == (
        Category.TRANSACTIONAL,
        ["Ada@northwind.example"],
        "Confirm this address as a sender in Tandem",
    )
    assert LogEntry.objects.filter(object_pk=str(identity.pk), action=LogEntry.Action.CREATE).count() == 1


def test_an_idn_address_is_accepted_and_kept_in_unicode():
    admin = UserFactory()

    identity = services.create_identity(actor=admin, from_name="Bücher", address="info@bücher.example")

    assert (identity.address, identity.domain) == ("info@bücher.example", "bücher.example")


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"from_name": "Ada\r\nBcc: x@evil.example", "address": "a@example.com"}, {"from_name"}),
        ({"from_name": "", "address": "a@example.com"}, {"from_name"}),
        ({"from_name": "Ada", "address": "not an address"}, {"address"}),
        ({"from_name": "Ada", "address": "a@example.com\nBcc: x@evil.example"}, {"address"}),
        ({"from_name": "Ada", "address": "a@example.com", "reply_to": "nope"}, {"reply_to"}),
    ],
)
def test_bad_identity_fields_are_refused_with_a_message_and_nothing_is_stored(fields, errors):
    admin = UserFactory()

    with pytest.raises(ValidationError) as raised:
        services.create_identity(actor=admin, **fields)

    assert set(raised.value.message_dict) == errors
    assert (Identity.objects.count(), Message.objects.count()) == (0, 0)


def test_a_second_identity_with_the_same_address_is_refused():
    admin = UserFactory()
    services.create_identity(actor=admin, from_name="Ada", address="ada@example.com")

    with pytest.raises(ValidationError) as raised:
        services.create_identity(actor=admin, from_name="Ada 2", address="ADA@example.com")

    assert raised.value.message_dict == {"address": ["There is already an identity with this address."]}
    assert Identity.objects.count() == 1


def test_a_non_admin_cannot_create_an_identity_and_nothing_happens():
    marketer = UserFactory(role=Role.MARKETING)

    with pytest.raises(PermissionDenied):
        services.create_identity(actor=marketer, from_name="Ada", address="ada@example.com")

    assert (Identity.objects.count(), Message.objects.count(), LogEntry.objects.count()) == (0, 0, 0)


def test_get_on_the_link_changes_nothing_and_post_verifies_and_makes_the_first_identity_default():
    admin = UserFactory()
    identity = services.create_identity(actor=admin, from_name="Ada", address="ada@example.com")
    path = link_in(verification_messages()[0])
    visitor = Client()

    page = visitor.get(path)
    identity.refresh_from_db()
    assert page.status_code == 200
    assert "Confirm this sending address" in page.content.decode()
    assert identity.verified_at is None

    confirmed = visitor.post(path)
    identity.refresh_from_db()
    assert confirmed.status_code == 200
    assert "Address confirmed" in confirmed.content.decode()
    assert (identity.verified_at is not None, identity.is_default) == (True, True)
    verified_entry = LogEntry.objects.get(object_pk=str(identity.pk), changes__icontains="verified_at")
    assert verified_entry.actor is None

    again = visitor.post(path)
    assert again.status_code == 410
    assert "This link was already used" in again.content.decode()


def test_the_link_is_a_single_use_public_link_expiring_after_three_days():
    admin = UserFactory()
    before = timezone.now()
    identity = services.create_identity(actor=admin, from_name="Ada", address="ada@example.com")

    [link] = PublicLink.objects.all()

    assert (link.purpose, link.target_id, link.single_use) == ("identity_verification", identity.pk, True)
    assert before + timedelta(days=3) <= link.expires_at <= timezone.now() + timedelta(days=3)


def test_an_unknown_link_gets_a_clear_page_and_verifies_nothing():
    admin = UserFactory()
    identity = services.create_identity(actor=admin, from_name="Ada", address="ada@example.com")

    response = Client().post("/p/identity_verification/guessed-token/")

    identity.refresh_from_db()
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    assert identity.verified_at is None


def test_an_expired_link_gets_a_clear_page_and_verifies_nothing():
    admin = UserFactory()
    identity = services.create_identity(actor=admin, from_name="Ada", address="ada@example.com")
    path = link_in(verification_messages()[0])
    PublicLink.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = Client().post(path)

    identity.refresh_from_db()
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert identity.verified_at is None


def test_a_link_to_a_deleted_identity_says_so():
    admin = UserFactory()
    identity = services.create_identity(actor=admin, from_name="Ada", address="ada@example.com")
    path = link_in(verification_messages()[0])
    Identity.objects.filter(pk=identity.pk).delete()

    response = Client().get(path)

    assert response.status_code == 410
    assert "This address was removed" in response.content.decode()


def test_resend_is_refused_during_the_cooldown_and_a_new_link_replaces_the_old_one():
    admin = UserFactory()
    identity = services.create_identity(actor=admin, from_name="Ada", address="ada@example.com")
    first_path = link_in(verification_messages()[0])

    with pytest.raises(ValidationError) as raised:
        services.resend_verification(actor=admin, identity=identity)
    assert raised.value.messages[0].startswith("A link was sent moments ago. You can send another in ")
    assert len(verification_messages()) == 1

    Identity.objects.filter(pk=identity.pk).update(verification_sent_at=timezone.now() - timedelta(minutes=2))
    services.resend_verification(actor=admin, identity=identity)
    assert len(verification_messages()) == 2

    old = Client().post(first_path)
    identity.refresh_from_db()
    assert old.status_code == 410
    assert "This link was withdrawn" in old.content.decode()
    assert identity.verified_at is None
    Client().post(link_in(verification_messages()[1]))
    identity.refresh_from_db()
    assert identity.verified_at is not None


def verified(admin, address, name="Ada") -> Identity:
    identity = services.create_identity(actor=admin, from_name=name, address=address)
    Identity.objects.filter(pk=identity.pk).update(verified_at=timezone.now())
    identity.refresh_from_db()
    return identity


def test_make_default_moves_the_default_and_refuses_an_unverified_identity():
    admin = UserFactory()
    first = verified(admin, "a@example.com")
    Identity.objects.filter(pk=first.pk).update(is_default=True)
    second = verified(admin, "b@example.com")
    unverified = services.create_identity(actor=admin, from_name="C", address="c@example.com")

    services.make_default_identity(actor=admin, identity=second)
    with pytest.raises(ValidationError) as raised:
        services.make_default_identity(actor=admin, identity=unverified)

    assert raised.value.messages == ["Verify this address before making it the default sender."]
    assert list(Identity.objects.filter(is_default=True).values_list("address", flat=True)) == [
        "b@example.com"
    ]


def test_the_default_identity_cannot_be_deleted_while_others_exist():
    admin = UserFactory()
    first = verified(admin, "a@example.com")
    Identity.objects.filter(pk=first.pk).update(is_default=True)
    other = verified(admin, "b@example.com")

    with pytest.raises(ValidationError):
        services.delete_identity(actor=admin, identity=first)
    services.delete_identity(actor=admin, identity=other)

    assert list(Identity.objects.values_list("address", flat=True)) == ["a@example.com"]


def test_changing_the_address_asks_for_a_new_confirmation():
    admin = UserFactory()
    identity = verified(admin, "a@example.com")

    updated = services.update_identity(
        actor=admin, identity=identity, from_name="Ada", address="a@other.example"
    )

    assert (updated.address, updated.verified_at) == ("a@other.example", None)
    assert [message.recipients for message in verification_messages()] == [
        ["a@example.com"],
        ["a@other.example"],
    ]


def test_a_dkim_key_is_shared_by_the_identities_of_its_domain_and_never_audited():
    admin = UserFactory()
    first = verified(admin, "a@example.com")
    other_domain = verified(admin, "a@elsewhere.example")

    services.generate_dkim_key(actor=admin, identity=first)
    second = services.create_identity(actor=admin, from_name="B", address="b@example.com")
    first.refresh_from_db()
    other_domain.refresh_from_db()

    year = timezone.now().year
    assert first.dkim_selector == f"tandem{year}"
    assert (second.dkim_selector, second.dkim_public_key, second.dkim_private_key) == (
        first.dkim_selector,
        first.dkim_public_key,
        first.dkim_private_key,
    )
    assert other_domain.dkim_public_key == ""
    entry = LogEntry.objects.get(object_pk=str(first.pk), additional_data__event="mail_dkim_key_generated")
    assert entry.changes == {"dkim_selector": [None, f"tandem{year}"]}

    services.generate_dkim_key(actor=admin, identity=second)
    first.refresh_from_db()
    assert first.dkim_selector == f"tandem{year}b"
    services.generate_dkim_key(actor=admin, identity=second)
    first.refresh_from_db()
    assert first.dkim_selector == f"tandem{year}c"


# --- pages ---------------------------------------------------------------------------------------------


def test_the_identities_page_shows_the_dkim_record_split_for_dns_and_never_the_private_key():
    admin = UserFactory()
    identity = verified(admin, "a@example.com")
    services.generate_dkim_key(actor=admin, identity=identity)
    identity.refresh_from_db()
    client = Client()
    client.force_login(admin)

    response = client.get(reverse("mail:identity_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"tandem{timezone.now().year}._domainkey.example.com" in html
    assert "&quot;v=DKIM1; k=rsa; p=" in html
    assert "PRIVATE KEY" not in html
    assert identity.dkim_private_key.splitlines()[1] not in html


def test_adding_an_identity_through_the_page_shows_field_errors():
    admin = UserFactory()
    client = Client()
    client.force_login(admin)

    response = client.post(reverse("mail:identity_create"), {"from_name": "Ada", "address": "nope"})

    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()
    assert Identity.objects.count() == 0


def test_a_non_admin_is_refused_every_identity_page_and_action_and_nothing_changes():
    admin = UserFactory()
    identity = verified(admin, "a@example.com")
    client = Client()
    client.force_login(UserFactory(role=Role.SALES))
    before = list(Identity.objects.values())
    log_count = LogEntry.objects.count()

    responses = [
        client.get(reverse("mail:identity_list")).status_code,
        client.get(reverse("mail:identity_create")).status_code,
        client.post(
            reverse("mail:identity_create"), {"from_name": "X", "address": "x@example.com"}
        ).status_code,
        client.post(
            reverse("mail:identity_edit", args=[identity.pk]), {"from_name": "X", "address": "x@e.com"}
        ).status_code,
        client.post(reverse("mail:identity_delete", args=[identity.pk])).status_code,
        client.post(reverse("mail:identity_make_default", args=[identity.pk])).status_code,
        client.post(reverse("mail:identity_generate_dkim", args=[identity.pk])).status_code,
        client.get(reverse("mail:identity_dns_check", args=[identity.pk])).status_code,
    ]

    assert responses == [403] * 8
    assert list(Identity.objects.values()) == before
    assert LogEntry.objects.count() == log_count


def test_the_dns_check_page_answers_with_findings_from_the_configured_server(dns_server):
    admin = UserFactory()
    identity = verified(admin, "a@example.com")
    dns_server.add_txt("example.com", "v=spf1 mx -all")
    client = Client()
    client.force_login(admin)

    response = client.get(
        reverse("mail:identity_dns_check", args=[identity.pk]), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "SPF is published: “v=spf1 mx -all”." in html
    assert "No DMARC record" in html
