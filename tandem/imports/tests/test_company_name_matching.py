"""Contacts linked to an existing company by name whatever its case and accents, on both databases."""

import pytest

from tandem.contacts.models import Company, Contact
from tandem.contacts.services.companies import create_company, update_company
from tandem.contacts.tests.factories import UserFactory
from tandem.core.models import Role
from tandem.imports import services
from tandem.imports.tests.test_engine_support import mapped, run

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_an_upper_case_name_without_accents_links_to_the_existing_company():
    # given "Société Générale", created through the service
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    existing = create_company(actor=admin, values={"name": "Société Générale"})
    rows = [["ada@example.com", "SOCIETE GENERALE"], ["grace@example.com", "Societe  Generale"]]

    # when a file names it in capitals without accents (and another row with two spaces)
    job = mapped(admin, ["Email", "Company"], rows, ["email", "company"])
    report = services.run_dry_run(actor=admin, job=job)

    # then the dry run says both rows link and no company is created
    assert (report["companies_to_create"], report["rows_linked_to_companies"]) == (0, 2)
    # and the run links them to it, creating nothing
    job = run(admin, job)
    assert (job.created_count, job.failed_count) == (2, 0)
    assert list(Company.objects.values_list("pk", flat=True)) == [existing.pk]
    assert dict(Contact.objects.values_list("email", "company_id")) == {
        "ada@example.com": existing.pk,
        "grace@example.com": existing.pk,
    }


def test_a_renamed_company_is_found_by_its_new_name_only():
    # given a company renamed through the service
    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    company = create_company(actor=admin, values={"name": "Ancien Nom"})
    update_company(actor=admin, company=company, values={"name": "Électricité de France"})

    # when a file names the new name and the old one
    rows = [["ada@example.com", "ELECTRICITE DE FRANCE"], ["grace@example.com", "Ancien Nom"]]
    job = run(admin, mapped(admin, ["Email", "Company"], rows, ["email", "company"]))

    # then the new name links, the old one is a new company
    assert job.created_count == 2
    linked = dict(Contact.objects.values_list("email", "company__name"))
    assert linked == {"ada@example.com": "Électricité de France", "grace@example.com": "Ancien Nom"}
    assert Contact.objects.get(email="ada@example.com").company_id == company.pk


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        ("save", "acme uber gmbh"),
        ("update", "strasse ag"),
        ("bulk_update", "cafe creme"),
    ],
)
def test_every_orm_write_of_a_name_keeps_its_key(write, expected):
    # given a company
    company = Company.objects.create(name="Start")
    assert Company.objects.get(pk=company.pk).name_key == "start"

    # when its name is written by a save of some fields, a queryset update or a bulk update
    if write == "save":
        company.name = "ACME  Über GmbH"
        company.save(update_fields=["name"])
    elif write == "update":
        Company.objects.filter(pk=company.pk).update(name="Straße AG")
    else:
        company.name = "Café Crème"
        Company.objects.bulk_update([company], ["name"])

    # then its stored key is the folded new name
    assert Company.objects.get(pk=company.pk).name_key == expected


def test_the_migration_fills_the_key_of_every_company_written_before_it(monkeypatch):
    # given companies stored before the key existed (blank key), one of them in the trash
    import importlib
    import types

    from django.apps import apps
    from django.db import connection
    from django.utils import timezone

    migration = importlib.import_module("tandem.contacts.migrations.0010_company_name_key")
    Company.objects.create(name="Société Générale")
    Company.objects.create(name="  ÉLAN   Vital ", deleted_at=timezone.now())
    Company.objects.update(name_key="")

    # when the migration's fill runs (in batches of one)
    monkeypatch.setattr(migration, "BATCH_SIZE", 1)
    migration.fill_name_keys(apps, types.SimpleNamespace(connection=connection))

    # then every company has its folded name as its key
    assert sorted(Company.objects.values_list("name_key", flat=True)) == ["elan vital", "societe generale"]


def test_a_merge_that_takes_the_other_name_and_its_undo_keep_the_key():
    # given two companies, the survivor taking the other's name in a merge
    from tandem.contacts.services.merge import merge_companies, undo_merge

    admin = UserFactory(email="admin@example.com", role=Role.ADMIN)
    survivor = create_company(actor=admin, values={"name": "SG"})
    other = create_company(actor=admin, values={"name": "Société Générale"})
    merge = merge_companies(actor=admin, survivor=survivor, other=other, choices={"name": "other"})
    assert Company.objects.filter(pk=survivor.pk).values_list("name", "name_key").get() == (
        "Société Générale",
        "societe generale",
    )

    # when the merge is undone
    undo_merge(actor=admin, merge=merge)

    # then the survivor's key is its own name's again
    assert Company.objects.filter(pk=survivor.pk).values_list("name", "name_key").get() == ("SG", "sg")
