"""`manage.py run_import JOB_ID [--undo] [--take-over]`: run or resume an import, or its undo, in this process
(operators, tests)."""

from django.core.management.base import BaseCommand, CommandError

from tandem.imports import engine
from tandem.imports.models import ImportJob


class Command(BaseCommand):
    help = "Run or resume one import in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)
        parser.add_argument(
            "--take-over",
            action="store_true",
            help="Take the job even if another runner's lease has not expired (that runner must be dead).",
        )
        parser.add_argument("--worker", default="", help="Runner name recorded on the job.")
        parser.add_argument("--undo", action="store_true", help="Run or resume the import's undo instead.")
        parser.add_argument("--chunk-size", type=int, default=0, help="Rows per transaction (default 2,000).")

    def handle(
        self, *args, job_id: int, take_over: bool, worker: str, chunk_size: int, undo: bool, **options
    ):
        if chunk_size > 0:
            engine.CHUNK_SIZE = chunk_size
            engine.UNDO_BATCH_SIZE = chunk_size
        if not ImportJob.objects.filter(pk=job_id).exists():
            raise CommandError(f"There is no import {job_id}.")
        if undo:
            job = engine.undo(job_id, worker=worker or engine.default_worker(), take_over=take_over)
            if job is None:
                raise CommandError(
                    f"The undo of import {job_id} is held by another runner (or not asked for)."
                )
            self.stdout.write(f"Import {job.pk}: {job.status}")
            return
        job = engine.run(job_id, worker=worker or engine.default_worker(), take_over=take_over)
        if job is None:
            raise CommandError(f"Import {job_id} is held by another runner (or not queued).")
        self.stdout.write(
            f"Import {job.pk}: {job.status}, {job.processed_rows} rows, {job.created_count} created, "
            f"{job.updated_count} updated, {job.skipped_count} skipped, {job.failed_count} failed"
        )
