from django.core.management.base import BaseCommand

from tandem.engagements import services


class Command(BaseCommand):
    help = "Remind assignees of their tasks due today or overdue (once per task and due date)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=services.REMINDER_BATCH)

    def handle(self, *args, batch: int, **options):
        sent = services.send_due_reminders(batch=max(1, batch))
        self.stdout.write(f"Sent {sent} reminders.")
