"""Import forms: the upload, and the column mapping with its match key and mode."""

from django import forms

from tandem.imports.mapping import target_fields
from tandem.imports.models import KEYS_BY_OBJECT_TYPE, MatchKey, Mode, ObjectType

SKIP_LABEL = "Don’t import"
SAMPLE_VALUES = 3


class UploadForm(forms.Form):
    object_type = forms.ChoiceField(
        label="What does the file hold?", choices=ObjectType.choices, initial=ObjectType.CONTACT
    )
    file = forms.FileField(
        label="File",
        help_text="CSV (any delimiter, UTF-8 or Windows-1252) or Excel .xlsx, with the column names in the first row.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.tsv,.txt,.xlsx"}),
    )


def column_field_name(index: int) -> str:
    return f"column_{index}"


class MappingForm(forms.Form):
    """One select per column of the file, pre-filled with the guess, then the match key and the mode."""

    key = forms.ChoiceField(label="Match existing records by", widget=forms.RadioSelect)
    mode = forms.ChoiceField(
        label="When a record already exists", choices=Mode.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, job, definitions, sample_rows: list[list[str]] | None = None, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "key": job.key,
                "mode": job.mode,
                **{column_field_name(int(index)): target for index, target in (job.mapping or {}).items()},
            },
        )
        super().__init__(*args, **kwargs)
        self.job = job
        choices = [("", SKIP_LABEL), *target_fields(job.object_type, definitions)]
        self.fields["key"].choices = [
            (key, MatchKey(key).label) for key in KEYS_BY_OBJECT_TYPE[ObjectType(job.object_type)]
        ]
        samples = sample_rows or []
        self.columns = []
        for index, header in enumerate(job.headers):
            name = column_field_name(index)
            self.fields[name] = forms.ChoiceField(label=header, choices=choices, required=False)
            values = [row[index] for row in samples if index < len(row) and row[index] != ""][:SAMPLE_VALUES]
            self.columns.append({"index": index, "header": header, "samples": values, "name": name})

    def bound_columns(self):
        """The column rows for the template: header, sample values and the bound select."""
        return [{**column, "field": self[column["name"]]} for column in self.columns]

    def mapping(self) -> dict[str, str]:
        return {str(column["index"]): self.cleaned_data.get(column["name"]) or "" for column in self.columns}
