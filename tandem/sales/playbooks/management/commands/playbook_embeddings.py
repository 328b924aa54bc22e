"""`manage.py playbook_embeddings [--missing]`: compute the answers' embeddings for semantic search (the
optional extra), for rows written without them: the demo generator's, or every answer of an install that
added the extra later. Batches of 256 answers, keyset by id: any number of answers in bounded memory."""

from django.core.management.base import BaseCommand, CommandError

from tandem.sales.playbooks import semantic


class Command(BaseCommand):
    help = (
        "Compute the playbook answers' embeddings for semantic search (needs `pip install tandem[semantic]`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--missing", action="store_true", help="only the answers that have none yet")

    def handle(self, *args, missing: bool = False, **options):
        if not semantic.installed():
            raise CommandError(
                "Semantic search is not installed: install the extra with `pip install tandem[semantic]`."
            )
        written = semantic.refresh(missing_only=missing)
        self.stdout.write(f"Computed the embeddings of {written:,} answer{'' if written == 1 else 's'}.")
