"""The export form: format and columns. The list filter travels as the list's own query string and is
parsed by the contacts app's list parser when the export runs, never here."""

from django import forms
from django.http import QueryDict

from tandem.exports.columns import ExportColumn
from tandem.exports.models import ExportJob

# The page position is the list's business, not the export's; the sort is kept, so the file's rows come in
# the order the list shows them.
IGNORED_QUERY_NAMES = ("cursor",)


def filter_query(query: QueryDict) -> str:
    """The list query string an export keeps: the filters and the sort, without the page position."""
    copy = query.copy()
    for name in IGNORED_QUERY_NAMES:
        copy.pop(name, None)
    return copy.urlencode()[:4000]


class ExportForm(forms.Form):
    file_format = forms.ChoiceField(
        label="Format",
        choices=ExportJob.Format.choices,
        initial=ExportJob.Format.CSV,
        widget=forms.RadioSelect,
        help_text="CSV opens in any spreadsheet; XLSX is prepared in the background.",
    )
    columns = forms.MultipleChoiceField(label="Columns", required=False, widget=forms.CheckboxSelectMultiple)
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, catalogue: list[ExportColumn], always: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.always = always
        self.fields["columns"].choices = [(column.key, column.label) for column in catalogue]
        self.fields["columns"].help_text = "Always included: " + ", ".join(
            column.label for column in catalogue if column.key in always
        )
