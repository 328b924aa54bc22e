"""Helpers shared by the engine, undo and worker-kill tests (no tests here)."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.imports import engine, services
from tandem.imports.models import ImportJob, Status


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def upload(actor, header, rows, *, object_type="contact", name="contacts.csv") -> ImportJob:
    return services.create_import(
        actor=actor, object_type=object_type, uploaded_file=SimpleUploadedFile(name, csv_bytes(header, rows))
    )


def mapped(actor, header, rows, targets, *, key="email", mode="update", object_type="contact") -> ImportJob:
    """An uploaded job mapped column by column to `targets` (same order as the header)."""
    job = upload(actor, header, rows, object_type=object_type)
    return services.set_mapping(
        actor=actor,
        job=job,
        mapping={str(index): target for index, target in enumerate(targets)},
        key=key,
        mode=mode,
    )


def run(actor, job: ImportJob, worker: str = "test") -> ImportJob:
    """Queue the job (as the Start button does) and run it here, to the end."""
    ImportJob.objects.filter(pk=job.pk).update(status=Status.QUEUED)
    result = engine.run(job.pk, worker=worker)
    assert result is not None
    return result
