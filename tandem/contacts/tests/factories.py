"""Factories for the spine's tests. They write rows directly (no services, no timeline, no audit), so a
test can set up any state and then call the one service it is about.

Append new factories at the end; other test modules import these by name.
"""

from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from tandem.contacts.models import Company, Contact, LifecycleStage, PropertyDefinition, PropertyType
from tandem.contacts.normalize import address_hash
from tandem.core.models import Role, Team, User


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda number: f"Team {number}")


PASSWORD = "correct horse battery staple"


@cache
def hashed_password() -> str:
    # Hashing is deliberately slow (PBKDF2); hash the one test password once per run, not once per user.
    return make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda number: f"user{number}@example.com")
    first_name = factory.Sequence(lambda number: f"User{number}")
    role = Role.ADMIN
    team = factory.SubFactory(TeamFactory)
    is_active = True
    password = factory.LazyFunction(hashed_password)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda number: f"Company {number}")
    domain = factory.Sequence(lambda number: f"company{number}.example")
    owner = None
    # The team follows the owner, as the services keep it.
    team = factory.LazyAttribute(lambda company: company.owner.team if company.owner else None)
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda number: f"contact{number}@example.com")
    email_domain = factory.LazyAttribute(
        lambda contact: contact.email.rpartition("@")[2] if contact.email else ""
    )
    # The suppression key, as the services keep it beside the email.
    address_hash = factory.LazyAttribute(lambda contact: address_hash(contact.email) if contact.email else "")
    first_name = factory.Sequence(lambda number: f"First{number}")
    last_name = factory.Sequence(lambda number: f"Last{number}")
    lifecycle_stage = LifecycleStage.LEAD
    owner = None
    team = factory.LazyAttribute(lambda contact: contact.owner.team if contact.owner else None)
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.LazyFunction(timezone.now)


class PropertyDefinitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PropertyDefinition

    object_type = "contact"
    name = factory.Sequence(lambda number: f"property_{number}")
    label = factory.LazyAttribute(lambda definition: definition.name.replace("_", " ").capitalize())
    value_type = PropertyType.TEXT
    choices = factory.LazyFunction(list)
