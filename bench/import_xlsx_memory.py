"""import_xlsx_memory: peak Python memory (tracemalloc) of reading every row of a large generated .xlsx
workbook: openpyxl's read-only mode (how imports read workbooks before) against tandem.imports.workbook.

Run: `PYTHONPATH=$PWD python -m bench.import_xlsx_memory [ROWS]` (default 150,000 rows of 8 texts each, all in
the shared-strings table as Excel writes them). Not part of `make bench`: it measures memory, not speed.
"""

import sys
import time
import tracemalloc
from pathlib import Path

from bench.data import DATA

COLUMNS = ("Email", "First Name", "Last Name", "Company", "Job Title", "City", "Notes", "Tags")


def _row_values(number: int) -> list[str]:
    return [
        f"person{number}@example{number % 977}.org",
        f"First{number}",
        f"Last{number * 7}",
        f"Company {number // 3}",
        f"Title {number % 5000} of team {number}",
        f"City {number % 20000}",
        f"A note about person {number} that is long enough to look like a real note",
        f"tag{number % 50};tag{number % 13}",
    ]


def workbook_path(rows: int) -> Path:
    """A workbook as Excel writes one: every text in the shared-strings table, cells refer to it by index.
    (openpyxl's write-only mode writes inline strings, which never showed the problem.)"""
    import zipfile
    from xml.sax.saxutils import escape

    path = DATA / f"import-memory-shared-{rows}.xlsx"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relations = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    partial = path.with_suffix(".partial")
    index: dict[str, int] = {}
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{main}"><sheetData>'.encode())
            for number in range(rows + 1):
                values = list(COLUMNS) if number == 0 else _row_values(number)
                cells = []
                for column, value in enumerate(values):
                    position = index.setdefault(value, len(index))
                    cells.append(f'<c r="{chr(65 + column)}{number + 1}" t="s"><v>{position}</v></c>')
                sheet.write(f'<row r="{number + 1}">{"".join(cells)}</row>'.encode())
            sheet.write(b"</sheetData></worksheet>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(f'<sst xmlns="{main}" count="{len(index)}" uniqueCount="{len(index)}">'.encode())
            for value in index:
                strings.write(f"<si><t>{escape(value)}</t></si>".encode())
            strings.write(b"</sst>")
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" Target="xl/workbook.xml" '
            f'Type="{relations}/officeDocument"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{relations}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{package}">'
            f'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{relations}/worksheet"/>'
            f'<Relationship Id="rId2" Target="sharedStrings.xml" Type="{relations}/sharedStrings"/>'
            "</Relationships>",
        )
    partial.rename(path)
    return path


def read_with_openpyxl(path: Path) -> int:
    import openpyxl

    with open(path, "rb") as handle:
        workbook = openpyxl.load_workbook(handle, read_only=True, data_only=False)
        count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
    return count


def read_with_tandem(path: Path) -> int:
    from tandem.imports import readers

    return sum(1 for _ in readers.iter_rows(path, kind="xlsx")) + 1


def measure(function, path: Path) -> tuple[int, float, float]:
    tracemalloc.start()
    started = time.monotonic()
    count = function(path)
    elapsed = time.monotonic() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return count, peak / 1024 / 1024, elapsed


def main(argv: list[str]) -> int:
    rows = int(argv[0]) if argv else 150_000
    path = workbook_path(rows)
    print(f"workbook: {rows:,} rows, {path.stat().st_size / 1024 / 1024:.1f} MB on disk", flush=True)
    for name, function in (
        ("openpyxl read-only", read_with_openpyxl),
        ("tandem streaming", read_with_tandem),
    ):
        count, peak, elapsed = measure(function, path)
        print(f"{name}: {count:,} rows, peak {peak:,.1f} MB (tracemalloc), {elapsed:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    sys.exit(main(sys.argv[1:]))
