"""`manage.py run_bulk_job JOB_ID [--take-over] [--chunk-size N]`: run or resume one bulk job in this
process (operators, tests)."""

from django.core.management.base import BaseCommand, CommandError

from tandem.core.bulkjobs import engine
from tandem.core.bulkjobs.models import BulkJob


class Command(BaseCommand):
    help = "Run or resume one bulk job in the foreground."

    def add_arguments(self, parser):
        parser.add_argument("job_id", type=int)
        parser.add_argument(
            "--take-over",
            action="store_true",
            help="Take the job even if another runner's lease has not expired (that runner must be dead).",
        )
        parser.add_argument("--worker", default="", help="Runner name recorded on the job.")
        parser.add_argument("--chunk-size", type=int, default=0, help="Rows per transaction (default 2,000).")

    def handle(self, *args, job_id: int, take_over: bool, worker: str, chunk_size: int, **options):
        if not BulkJob.objects.filter(pk=job_id).exists():
            raise CommandError(f"There is no bulk job {job_id}.")
        job = engine.run(job_id, worker=worker, take_over=take_over, chunk_size=max(chunk_size, 0))
        if job is None:
            raise CommandError(f"Bulk job {job_id} is held by another runner (or finished, or cancelled).")
        self.stdout.write(
            f"Bulk job {job.pk}: {job.state}, {job.processed} processed, {job.changed} changed, "
            f"{job.denied} skipped (not allowed), {job.unchanged} already as asked"
        )
