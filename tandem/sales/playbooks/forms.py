"""The playbooks' forms. They only parse; the services check and write (one message per bad field)."""

from django import forms

from tandem.sales.playbooks.models import AnswerUse, BattleCard, Objection
from tandem.sales.playbooks.services import MAX_TEXT


def add_service_errors(form: forms.Form, error) -> None:
    """A service's ValidationError on the form: by field where the form has that field, above it otherwise."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _area(rows: int, placeholder: str = "") -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "placeholder": placeholder})


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label="Objection",
        max_length=Objection._meta.get_field("text").max_length,
        help_text="As buyers say it, in their words: “It's too expensive for a team our size.”",
    )
    category = forms.ChoiceField(label="Category", choices=Objection.Category.choices)
    tags = forms.CharField(
        label="Tags",
        required=False,
        max_length=400,
        help_text="Separated by commas, e.g. budget, small team.",
    )


class AnswerForm(forms.Form):
    text = forms.CharField(label="Answer", max_length=MAX_TEXT, widget=_area(5), strip=False)
    proof_points = forms.CharField(
        label="Proof points",
        required=False,
        max_length=MAX_TEXT,
        widget=_area(3),
        help_text="One per line: numbers, customers, studies that back the answer.",
    )
    resources = forms.CharField(
        label="Linked resources",
        required=False,
        max_length=MAX_TEXT,
        widget=_area(2, "https://"),
        help_text="Web addresses, one per line: a case study, a comparison page, a calculator.",
    )


class AnswerUseForm(forms.Form):
    helped = forms.ChoiceField(label="Did it help?", choices=AnswerUse.Helped.choices, initial="unknown")
    deal = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class BattleCardForm(forms.Form):
    competitor = forms.CharField(
        label="Competitor", max_length=BattleCard._meta.get_field("competitor").max_length
    )
    strengths = forms.CharField(
        label="Their strengths",
        required=False,
        max_length=MAX_TEXT,
        widget=_area(4),
        help_text="What buyers like about them. Be honest: reps lose trust when a card is wrong.",
    )
    weaknesses = forms.CharField(
        label="Their weaknesses", required=False, max_length=MAX_TEXT, widget=_area(4)
    )
    how_we_win = forms.CharField(label="How we win", required=False, max_length=MAX_TEXT, widget=_area(4))
    landmines = forms.CharField(
        label="Landmines to set",
        required=False,
        max_length=MAX_TEXT,
        widget=_area(4),
        help_text="Questions to ask the buyer that expose the competitor's weak spots.",
    )
    proof_points = forms.CharField(label="Proof points", required=False, max_length=MAX_TEXT, widget=_area(3))
    objection_ids = forms.TypedMultipleChoiceField(
        label="Objections buyers raise about them",
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, objections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objection_ids"].choices = [(objection.pk, objection.text) for objection in objections]
