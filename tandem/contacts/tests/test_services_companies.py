"""Company services, notes on the timeline, consent and suppression."""

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError

from tandem.contacts import services
from tandem.contacts.models import Activity, Company, Consent, Suppression
from tandem.contacts.normalize import address_hash
from tandem.contacts.services.timeline import NOTE_MAX_LENGTH
from tandem.contacts.tests.factories import CompanyFactory, ContactFactory, TeamFactory, UserFactory
from tandem.core.models import Event, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(email="alice@example.com", role=Role.ADMIN, team=TeamFactory(name="Blue"))


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("https://www.Acme.com/about", "acme.com"),
        ("http://acme.com", "acme.com"),
        ("WWW.ACME.COM.", "acme.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("", ""),
    ],
)
def test_given_a_web_address_when_a_company_is_created_then_its_domain_is_the_bare_host(alice, typed, stored):
    company = services.create_company(actor=alice, values={"name": "Acme", "domain": typed})

    assert Company.objects.get(pk=company.pk).domain == stored


def test_given_a_company_when_created_then_timeline_audit_and_team_are_recorded(alice):
    company = services.create_company(
        actor=alice, values={"name": "Acme", "domain": "acme.com", "size": "10-49"}
    )

    assert (company.owner_id, company.team_id) == (alice.pk, alice.team_id)
    assert list(company.activities.values_list("kind", flat=True)) == ["created"]
    assert list(LogEntry.objects.values_list("action", "changes")) == [
        (
            LogEntry.Action.CREATE,
            {
                "name": [None, "Acme"],
                "domain": [None, "acme.com"],
                "size": [None, "10-49"],
                # every company starts at lead (the default), as the audit row says
                "lifecycle_stage": [None, "lead"],
                "owner": [None, str(alice.pk)],
                "team": [None, str(alice.team_id)],
            },
        )
    ]
    assert list(Event.objects.values_list("name", "payload")) == [
        ("contacts.company.created", {"company_id": company.pk})
    ]


@pytest.mark.parametrize("typed", ["acme.com", "https://www.ACME.com/pricing", "Acme.com."])
def test_given_a_domain_in_use_when_another_company_takes_it_then_it_is_refused(alice, typed):
    services.create_company(actor=alice, values={"name": "Acme", "domain": "acme.com"})
    other = services.create_company(actor=alice, values={"name": "Other", "domain": "other.com"})

    with pytest.raises(ValidationError) as on_create:
        services.create_company(actor=alice, values={"name": "Acme 2", "domain": typed})
    with pytest.raises(ValidationError) as on_update:
        services.update_company(actor=alice, company=other, values={"domain": typed})

    message = {"domain": ["Another company already has this domain."]}
    assert (on_create.value.message_dict, on_update.value.message_dict) == (message, message)
    assert Company.objects.count() == 2
    assert Company.objects.get(pk=other.pk).domain == "other.com"


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        (
            {"domain": "acme"},
            {
                "name": ["A company needs a name."],
                "domain": ["“acme” is not a domain name (e.g. example.com)."],
            },
        ),
        ({"name": "  "}, {"name": ["A company needs a name."]}),
        ({"name": "Acme", "size": "huge"}, {"size": ["Choose one of the listed sizes."]}),
        ({"name": "Acme", "team": 1}, {"team": ["“team” cannot be set on a company."]}),
    ],
)
def test_given_invalid_values_when_a_company_is_created_then_nothing_is_written(alice, values, errors):
    with pytest.raises(ValidationError) as error:
        services.create_company(actor=alice, values=values)

    assert error.value.message_dict == errors
    assert (Company.objects.count(), Activity.objects.count(), LogEntry.objects.count()) == (0, 0, 0)


def test_given_a_company_when_updated_then_the_diff_is_on_timeline_and_audit(alice):
    company = services.create_company(actor=alice, values={"name": "Acme", "domain": "acme.com"})

    services.update_company(actor=alice, company=company, values={"name": "Acme Inc", "industry": "Software"})
    services.update_company(actor=alice, company=company, values={"name": "Acme Inc"})

    assert list(company.activities.order_by("id").values_list("kind", "details")) == [
        ("created", {}),
        ("updated", {"changes": {"name": ["Acme", "Acme Inc"], "industry": ["", "Software"]}}),
    ]
    assert LogEntry.objects.filter(action=LogEntry.Action.UPDATE).get().changes == {
        "name": ["Acme", "Acme Inc"],
        "industry": ["", "Software"],
    }


def test_given_a_trashed_company_when_a_live_one_took_its_domain_then_restore_is_refused(alice):
    old = services.create_company(actor=alice, values={"name": "Acme", "domain": "acme.com"})
    services.delete_company(actor=alice, company=old)
    services.create_company(actor=alice, values={"name": "Acme again", "domain": "acme.com"})

    with pytest.raises(ValidationError) as error:
        services.restore_company(actor=alice, company=old)

    assert error.value.messages == [
        "Another company now uses acme.com. Change that company before restoring this one."
    ]
    assert Company.objects.get(pk=old.pk).deleted_at is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write something before adding the note."),
        ("   \n ", "Write something before adding the note."),
        ("x" * (NOTE_MAX_LENGTH + 1), "A note can be at most 10,000 characters."),
    ],
)
def test_given_an_invalid_note_when_added_then_it_is_refused(alice, body, message):
    contact = ContactFactory(owner=alice)

    with pytest.raises(ValidationError) as error:
        services.add_note(actor=alice, contact=contact, body=body)

    assert error.value.message_dict == {"body": [message]}
    assert Activity.objects.count() == 0


def test_given_a_note_of_the_maximum_length_when_added_then_it_is_kept_trimmed(alice):
    contact = ContactFactory(owner=alice)

    note = services.add_note(actor=alice, contact=contact, body="  " + "x" * NOTE_MAX_LENGTH + "  ")

    assert len(Activity.objects.get(pk=note.pk).body) == NOTE_MAX_LENGTH


def test_given_a_contact_at_a_company_when_a_note_is_added_then_it_shows_on_both_timelines(alice):
    company = CompanyFactory(owner=alice)
    contact = ContactFactory(owner=alice, company=company)

    note = services.add_note(actor=alice, contact=contact, body=" Asked for a quote. ")

    assert Activity.objects.filter(pk=note.pk).values_list(
        "kind", "contact_id", "company_id", "actor_id", "body"
    ).get() == ("note", contact.pk, company.pk, alice.pk, "Asked for a quote.")
    assert list(Event.objects.values_list("name", "payload")) == [
        ("contacts.note.added", {"activity_id": note.pk})
    ]


def test_given_no_record_when_a_note_is_added_then_it_is_refused(alice):
    with pytest.raises(ValidationError) as error:
        services.add_note(actor=alice, body="Orphan")

    assert error.value.message_dict == {"body": ["A note belongs to a contact or a company."]}


def test_given_consent_when_recorded_twice_then_the_original_proof_is_kept_and_the_latest_holds(alice):
    contact = ContactFactory(owner=alice)

    services.record_consent(
        actor=alice,
        contact=contact,
        purpose="marketing_email",
        status="granted",
        method="form",
        ip_address="192.0.2.1",
    )
    services.record_consent(
        actor=alice, contact=contact, purpose="marketing_email", status="withdrawn", method="phone"
    )

    original, withdrawal = Consent.objects.order_by("recorded_at", "id")
    assert (original.status, original.method, original.ip_address, original.confirmed_at is not None) == (
        "granted",
        "form",
        "192.0.2.1",
        True,
    )
    assert (withdrawal.status, withdrawal.method, withdrawal.ip_address, withdrawal.confirmed_at) == (
        "withdrawn",
        "phone",
        None,
        None,
    )
    assert withdrawal.recorded_at > original.recorded_at
    assert list(Consent.objects.current()) == [withdrawal]
    assert list(Activity.objects.order_by("id").values_list("kind", "subject_id", "details")) == [
        ("consent_changed", original.pk, {"purpose": "marketing_email", "from": None, "to": "granted"}),
        (
            "consent_changed",
            withdrawal.pk,
            {"purpose": "marketing_email", "from": "granted", "to": "withdrawn"},
        ),
    ]
    assert list(LogEntry.objects.order_by("id").values_list("changes", flat=True)) == [
        {"consent.marketing_email": [None, "granted"]},
        {"consent.marketing_email": ["granted", "withdrawn"]},
    ]


@pytest.mark.parametrize(
    ("purpose", "status", "method", "errors"),
    [
        ("spam", "granted", "form", {"purpose": ["Choose what the consent is for."]}),
        ("tracking", "maybe", "form", {"status": ["Choose granted, pending confirmation or withdrawn."]}),
        ("tracking", "granted", "  ", {"method": ["Say how the consent was given or withdrawn."]}),
    ],
)
def test_given_invalid_consent_when_recorded_then_nothing_is_written(alice, purpose, status, method, errors):
    contact = ContactFactory(owner=alice)

    with pytest.raises(ValidationError) as error:
        services.record_consent(actor=alice, contact=contact, purpose=purpose, status=status, method=method)

    assert error.value.message_dict == errors
    assert (Consent.objects.count(), Activity.objects.count()) == (0, 0)


def test_given_an_address_when_suppressed_twice_in_different_spellings_then_one_row_keeps_the_first_reason():
    first = services.suppress_address(email="Ann@Bücher.de", reason="hard_bounce", source="smtp")
    second = services.suppress_address(email=" ann@XN--BCHER-KVA.DE ", reason="unsubscribed")

    assert first.pk == second.pk
    assert list(Suppression.objects.values_list("address_hash", "reason", "source")) == [
        (address_hash("ann@bücher.de"), "hard_bounce", "smtp")
    ]
    assert address_hash("ANN@BÜCHER.DE") == address_hash("ann@xn--bcher-kva.de")


@pytest.mark.parametrize(
    ("email", "reason", "errors"),
    [
        ("ann@example.com", "bored", {"reason": ["Unknown suppression reason."]}),
        ("", "manual", {"email": ["Give the address to suppress."]}),
        ("   ", "manual", {"email": ["Give the address to suppress."]}),
    ],
)
def test_given_an_unusable_suppression_when_recorded_then_it_is_refused(email, reason, errors):
    with pytest.raises(ValidationError) as error:
        services.suppress_address(email=email, reason=reason)

    assert error.value.message_dict == errors
    assert Suppression.objects.count() == 0
