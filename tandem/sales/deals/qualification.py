"""The qualification panel's context, shared by the deal's and the contact's page (registered panels) and
the view that swaps it in place."""

from django.urls import reverse

from tandem.core import access
from tandem.core.access import Verb
from tandem.sales.deals.models import Qualification, QualificationStatus
from tandem.sales.deals.services.qualification import fields, qualification_of


def qualification_context(
    request, *, deal=None, contact=None, editing=False, values=None, errors=None
) -> dict:
    record = deal if deal is not None else contact
    kind = "deal" if deal is not None else "contact"
    stored = qualification_of(deal=deal, contact=contact)
    shown = {name: getattr(stored, name) for name in fields()}
    if values:
        shown.update(values)  # what the editor typed, kept when a save is refused
    rows = [
        {
            "key": key,
            "label": label,
            "question": question,
            "status": shown[f"{key}_status"],
            "status_label": dict(QualificationStatus.choices).get(shown[f"{key}_status"], "Unknown"),
            "note": shown[f"{key}_note"],
            "seen_status": getattr(stored, f"{key}_status"),
            "seen_note": getattr(stored, f"{key}_note"),
            "status_error": (errors or {}).get(f"{key}_status", ""),
            "note_error": (errors or {}).get(f"{key}_note", ""),
        }
        for key, label, question in Qualification.CRITERIA
    ]
    return {
        "qualification": stored,
        "qualification_rows": rows,
        "qualification_needs": shown["needs"],
        "qualification_seen_needs": stored.needs,
        "qualification_errors": errors or {},
        "qualification_general_error": (errors or {}).get("__all__", ""),
        "qualification_confirmed": sum(row["seen_status"] == QualificationStatus.CONFIRMED for row in rows),
        "qualification_total": len(rows),
        "qualification_url": reverse("deals:qualification", args=[kind, record.pk]),
        "qualification_editing": editing,
        "qualification_may_change": access.can(request.user, Verb.CHANGE, record),
        "status_choices": QualificationStatus.choices,
        "qualification_noun": "deal" if kind == "deal" else "person",
    }


def panel(kind: str):
    def context(request, record) -> dict | None:
        if kind == "contact" and not access.allows(request.user, "deal", Verb.VIEW):
            return None  # a sales tool: shown to those who work deals
        return qualification_context(request, **{kind: record})

    return context
