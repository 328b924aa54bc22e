"""Users and playbook content for the playbooks tests."""

from tandem.core.models import Role, User
from tandem.sales.playbooks import services

PASSWORD = "a long enough passphrase 42"


def make_user(email: str = "rep@example.com", role: str = Role.SALES) -> User:
    return User.objects.create_user(email, PASSWORD, role=role)


def objection_with_answers(author, text: str, category: str, answers: list[str], *, tags=(), proof=""):
    """An objection and its answers, through the services (so the search index is kept as in the app)."""
    objection = services.create_objection(
        actor=author, values={"text": text, "category": category, "tags": list(tags)}
    )
    created = [
        services.add_answer(actor=author, objection=objection, values={"text": answer, "proof_points": proof})
        for answer in answers
    ]
    return objection, created
