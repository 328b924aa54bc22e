"""Turning an export's chunks of cells into bytes: CSV as a stream, XLSX as a file.

Both write exactly the cells `columns.RowShape` produced (already neutralised against formula injection);
XLSX additionally stores every text cell as a string, never as a formula.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tandem.core.spreadsheets import neutralise

# UTF-8 with a byte-order mark: without it Excel reads a CSV in the machine's legacy code page and turns
# "Zoë Ångström" into mojibake; every other reader skips the BOM.
CSV_BOM = "\ufeff".encode()


def csv_stream(headers: list[str], chunks: Iterable[list[list]]) -> Iterator[bytes]:
    """The CSV file as a sequence of byte blocks: the BOM and header line, then one block per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(header) for header in headers])
    yield CSV_BOM + buffer.getvalue().encode("utf-8")
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue().encode("utf-8")


def write_csv(path: Path, headers: list[str], chunks: Iterable[list[list]], progress=None) -> int:
    """Write the CSV to `path`; `progress(rows so far)` is called after each chunk. Returns the row count."""
    written = 0

    def counted() -> Iterator[list[list]]:
        nonlocal written
        for rows in chunks:
            yield rows
            written += len(rows)
            if progress is not None:
                progress(written)

    with path.open("wb") as file:
        for block in csv_stream(headers, counted()):
            file.write(block)
    return written


def _xlsx_cell(value):
    if isinstance(value, str):
        # XML 1.0 cannot hold most control characters; openpyxl refuses them rather than write a broken file.
        # Neutralise again after removing them: "\x01=HYPERLINK(...)" would otherwise start with "=".
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def write_xlsx(
    path: Path, sheet_title: str, headers: list[str], chunks: Iterable[list[list]], progress=None
) -> int:
    """Write an XLSX workbook with one sheet. write_only mode streams rows to a temporary file, so memory
    stays flat; cells that could read as formulas were neutralised already (they start with a quote), and
    openpyxl stores a string that does not start with "=" as a string."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    sheet.append([_xlsx_cell(header) for header in headers])
    written = 0
    for rows in chunks:
        for row in rows:
            sheet.append([_xlsx_cell(value) for value in row])
        written += len(rows)
        if progress is not None:
            progress(written)
    workbook.save(path)
    return written
