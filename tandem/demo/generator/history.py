"""Steps that run once the contacts exist: likely duplicates for the duplicates pages, and a history of
finished imports and exports, so those pages have something to show and an import can even be undone.

Each step reads a few existing rows in id order (deterministic), then writes a handful of rows in bulk.
"""

import datetime
import uuid
from pathlib import Path

from django.conf import settings

from tandem.contacts.models import Activity, ActivityKind, Company, Contact
from tandem.contacts.services.bulk import address_hashes
from tandem.demo.generator.activities import ACTIVITY_COLUMNS
from tandem.demo.generator.context import DAY, GeneratorContext
from tandem.exports.models import ExportJob
from tandem.imports.models import FileKind, ImportChange, ImportJob, ImportRowError, Mode, ObjectType, Status

# How many likely duplicates each reason gets (pairs; every group holds exactly two records).
CONTACT_PHONE_PAIRS = 10
CONTACT_NAME_DOMAIN_PAIRS = 8
CONTACT_NAME_COMPANY_PAIRS = 7
COMPANY_NAME_PAIRS = 3
COMPANY_PHONE_PAIRS = 2
# Planted phone numbers come from ranges the contact and company phones never use (Ofcom's numbers for
# drama, 020 7946 0xxx; generated contacts use 0000-0099), so the planted pairs are told apart exactly.
CONTACT_PHONE_PREFIX = "+4420794605"
COMPANY_PHONE_PREFIX = "+4420794606"

# The two finished imports: (file name, kind, source the contacts came from, days before today, at most rows).
IMPORTS = (
    ("data-summit-badge-scans.csv", FileKind.CSV, "events", 75, 30),
    ("webinar-forecasting-101-attendees.xlsx", FileKind.XLSX, "webinar", 20, 20),
)
IMPORT_HEADERS = ["Email", "First name", "Last name", "Company", "Job title", "Notes"]
IMPORT_MAPPING = {
    "0": "email",
    "1": "first_name",
    "2": "last_name",
    "3": "company",
    "4": "job_title",
    "5": "",
}


def plant_duplicates(context: GeneratorContext) -> None:
    """Turn a few records into likely duplicates of others, one pair per group, for every reason the
    duplicates pages know. Records are rewritten rather than added, so the number of contacts and
    companies stays exactly what was asked for."""
    rng = context.random("duplicates")
    contact_pairs = CONTACT_PHONE_PAIRS + CONTACT_NAME_DOMAIN_PAIRS + CONTACT_NAME_COMPANY_PAIRS
    pool = list(
        Contact.objects.filter(company__isnull=False)
        .order_by("id")
        .values_list("id", "first_name", "last_name", "company_id", "email_domain")[: contact_pairs * 8]
    )
    if len(pool) < 2 * contact_pairs:
        return
    chosen = rng.sample(pool, 2 * contact_pairs)
    originals, copies = chosen[:contact_pairs], chosen[contact_pairs:]
    updates: list[Contact] = []
    used: set[str] = set()
    for number, ((original_id, first, last, company_id, domain), (copy_id, *_)) in enumerate(
        zip(originals, copies, strict=True)
    ):
        name = f"{first}.{last}".lower()
        if number < CONTACT_PHONE_PAIRS:
            # The same person signed up privately: same phone, a personal address, no company.
            phone = f"{CONTACT_PHONE_PREFIX}{number:02d}"
            updates.append(Contact(pk=original_id, phone=phone))
            email = f"{name}.{copy_id}@gmail.com"
            fields = {"company_id": None, "phone": phone}
        elif number < CONTACT_PHONE_PAIRS + CONTACT_NAME_DOMAIN_PAIRS:
            # Another address at the same company's domain (an initial instead of the first name).
            email = f"{first[0]}.{last}@{domain}".lower()
            if email in used:
                email = f"{first[0]}.{last}.{copy_id}@{domain}".lower()
            used.add(email)
            fields = {"company_id": None, "phone": ""}
        else:
            # Added to the same company with a personal address.
            email = f"{name}.{copy_id}@outlook.com"
            fields = {"company_id": company_id, "phone": ""}
        updates.append(
            Contact(
                pk=copy_id,
                first_name=first,
                last_name=last,
                email=email,
                email_domain=email.rpartition("@")[2],
                # The suppression key follows the address, as on every other path that writes one.
                address_hash=address_hashes([email])[0],
                job_title="",
                **fields,
            )
        )
    # The originals' phones first (one UPDATE per field set keeps it to two statements).
    Contact.objects.bulk_update(
        [update for update in updates if not update.first_name], ["phone"], batch_size=500
    )
    Contact.objects.bulk_update(
        [update for update in updates if update.first_name],
        [
            "first_name",
            "last_name",
            "email",
            "email_domain",
            "address_hash",
            "job_title",
            "company_id",
            "phone",
        ],
        batch_size=500,
    )

    company_pairs = COMPANY_NAME_PAIRS + COMPANY_PHONE_PAIRS
    companies = list(Company.objects.order_by("id").values_list("id", "name")[: company_pairs * 8])
    if len(companies) < 2 * company_pairs:
        return
    chosen = rng.sample(companies, 2 * company_pairs)
    company_updates: list[Company] = []
    for number, ((original_id, name), (copy_id, _)) in enumerate(
        zip(chosen[:company_pairs], chosen[company_pairs:], strict=True)
    ):
        if number < COMPANY_NAME_PAIRS:
            # Typed again in capitals by someone else: the same name once case is ignored.
            company_updates.append(Company(pk=copy_id, name=name.upper() if number % 2 else name, phone=""))
        else:
            phone = f"{COMPANY_PHONE_PREFIX}{number:02d}"
            company_updates.append(Company(pk=original_id, name=name, phone=phone))
            company_updates.append(Company(pk=copy_id, name=f"{name} Holdings", phone=phone))
    # Names are rewritten for phone pairs too (a holding with the same switchboard), so one statement does.
    Company.objects.bulk_update(company_updates, ["name", "phone"], batch_size=500)


def create_imports(context: GeneratorContext) -> None:
    """Two finished imports by the marketing user, each with the contacts it created (their ImportChange
    rows and IMPORTED activities, as the import engine writes them) and two rows it could not take. The
    uploaded files are not kept: a finished import's page never needs them."""
    marketer = context.users.get("marketing")
    for number, (file_name, file_kind, source, days_ago, most) in enumerate(IMPORTS):
        finished_at = context.end_at - datetime.timedelta(days=days_ago) + datetime.timedelta(hours=10)
        # The contacts of that source created in the month before the import are the ones it "created".
        created = list(
            Contact.objects.filter(
                source=source,
                created_at__gte=finished_at - datetime.timedelta(seconds=30 * DAY),
                created_at__lt=finished_at,
                deleted_at__isnull=True,
            )
            .order_by("id")
            .values_list("id", "company_id")[:most]
        )
        failed = 2
        job = ImportJob.objects.create(
            created_by=marketer,
            object_type=ObjectType.CONTACT,
            original_name=file_name,
            # Where the upload would live; the file itself is not kept for a finished demo import.
            stored_path=str(
                Path(settings.VAR_DIR)
                / "imports"
                / str(uuid.UUID(int=context.config.seed * 10 + number))
                / file_name
            ),
            size_bytes=160 * (len(created) + failed + 1),
            file_kind=file_kind,
            encoding="utf-8" if file_kind == FileKind.CSV else "",
            delimiter="," if file_kind == FileKind.CSV else "",
            headers=IMPORT_HEADERS,
            mapping=IMPORT_MAPPING,
            mode=Mode.UPDATE,
            status=Status.DONE,
            total_rows=len(created) + failed,
            processed_rows=len(created) + failed,
            created_count=len(created),
            failed_count=failed,
            started_at=finished_at - datetime.timedelta(seconds=40),
            finished_at=finished_at,
        )
        # created_at is set on insert (auto_now_add); the import was uploaded a few minutes before it ran.
        ImportJob.objects.filter(pk=job.pk).update(created_at=finished_at - datetime.timedelta(minutes=4))
        ImportChange.objects.bulk_create(
            [
                ImportChange(job=job, object_id=contact_id, created=True, previous={})
                for contact_id, _ in created
            ]
        )
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(
                    job=job,
                    row_number=3,
                    reason="Enter a valid email address.",
                    values=["jordan.at.example", "Jordan", "Lee", "", "", "badge scan unreadable"],
                ),
                ImportRowError(
                    job=job,
                    row_number=len(created) + failed + 1,
                    reason="A row needs an email address.",
                    values=["", "Priya", "", "", "", "walk-in"],
                ),
            ]
        )
        for contact_id, company_id in created:
            context.writer.add(
                Activity._meta.db_table,
                ACTIVITY_COLUMNS,
                (contact_id, company_id, ActivityKind.IMPORTED, finished_at, marketer.id if marketer else None,
                 "import", job.pk, None, "", {"created": True}),
            )  # fmt: skip


def create_exports(context: GeneratorContext) -> None:
    """Two finished exports by the sales user, old enough that their files were deleted (as the housekeeping
    leaves them: the row stays as the record of who exported what, without a file name)."""
    seller = context.users.get("sales")
    if seller is None:
        return
    for days_ago, object_type, file_format, query in (
        (40, ExportJob.ObjectType.CONTACT, ExportJob.Format.CSV, "stage=customer"),
        (12, ExportJob.ObjectType.COMPANY, ExportJob.Format.XLSX, ""),
    ):
        created_at = context.end_at - datetime.timedelta(days=days_ago) + datetime.timedelta(hours=15)
        if object_type == ExportJob.ObjectType.CONTACT:
            rows = Contact.objects.filter(lifecycle_stage="customer", deleted_at__isnull=True).count()
            columns = ["email", "first_name", "last_name", "company", "lifecycle_stage", "owner"]
        else:
            rows = Company.objects.filter(deleted_at__isnull=True).count()
            columns = ["name", "domain", "industry", "country", "owner"]
        ExportJob.objects.create(
            user=seller,
            object_type=object_type,
            query=query,
            columns=columns,
            file_format=file_format,
            delivery=ExportJob.Delivery.FILE,
            status=ExportJob.Status.FINISHED,
            row_count=rows,
            processed_rows=rows,
            file_name="",
            created_at=created_at,
            started_at=created_at + datetime.timedelta(seconds=2),
            finished_at=created_at + datetime.timedelta(seconds=9),
        )
