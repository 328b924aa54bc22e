"""Reading uploads: each edge case of issue 3 point 2 with its own small file."""

import zipfile
from pathlib import Path

import openpyxl
import pytest

from tandem.imports import readers
from tandem.imports.readers import FileInfo, ImportFileError, inspect_file, iter_rows

FILES = Path(__file__).parent / "files"


def write_bytes(tmp_path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def rows_of(path: Path, info: FileInfo) -> list[tuple[int, list[str]]]:
    return list(iter_rows(path, kind=info.kind, encoding=info.encoding, delimiter=info.delimiter))


def test_utf8_without_bom(tmp_path):
    path = write_bytes(tmp_path, "plain.csv", "email,first_name\nzoë@example.com,Zoë\n".encode())

    info = inspect_file(path, "plain.csv")

    assert info == FileInfo(
        kind="csv",
        encoding="utf-8",
        delimiter=",",
        headers=["email", "first_name"],
        sample_rows=[["zoë@example.com", "Zoë"]],
        row_estimate=1,
    )
    assert rows_of(path, info) == [(2, ["zoë@example.com", "Zoë"])]


def test_utf8_with_bom_does_not_leak_into_the_first_header(tmp_path):
    path = write_bytes(tmp_path, "bom.csv", "\ufeffEmail,Name\nA@example.com,Åsa\n".encode())

    info = inspect_file(path, "bom.csv")

    assert (info.encoding, info.headers) == ("utf-8-sig", ["Email", "Name"])
    assert rows_of(path, info) == [(2, ["A@example.com", "Åsa"])]


def test_windows_1252_is_detected_and_decoded():
    path = FILES / "mailchimp_cp1252_semicolon.csv"

    info = inspect_file(path, path.name)

    assert (info.encoding, info.delimiter) == ("cp1252", ";")
    assert info.headers == [
        "Email Address",
        "First Name",
        "Last Name",
        "Address",
        "Phone Number",
        "MEMBER_RATING",
        "TAGS",
    ]
    assert rows_of(path, info) == [
        (2, ["béa@example.com", "Béatrice", "Müller", "Straße 1", "+49 30 1234567", "2", "vip, newsletter"])
    ]


def test_latin1_bytes_undefined_in_windows_1252_fall_back_to_latin1(tmp_path):
    # 0x81 is a hole in Windows-1252; only Latin-1 can read this file.
    path = write_bytes(tmp_path, "latin.csv", b"name,note\nJos\xe9,a\x81b\n")

    info = inspect_file(path, "latin.csv")

    assert info.encoding == "latin-1"
    assert rows_of(path, info) == [(2, ["José", "a\x81b"])]


def test_a_non_utf8_byte_late_in_the_file_decides_the_encoding(tmp_path):
    # The first 64 KiB are pure ASCII; one Windows-1252 "é" comes after them.
    lines = b"".join(b"person%d@example.com,Name\n" % number for number in range(4000))
    path = write_bytes(tmp_path, "late.csv", b"email,name\n" + lines + b"late@example.com,Ren\xe9e\n")

    info = inspect_file(path, "late.csv")

    assert info.encoding == "cp1252"
    assert rows_of(path, info)[-1] == (4002, ["late@example.com", "Renée"])


@pytest.mark.parametrize(
    ("delimiter", "name"),
    [(",", "comma.csv"), (";", "semicolon.csv"), ("\t", "tab.tsv"), ("|", "pipe.txt")],
)
def test_delimiters_are_detected(tmp_path, delimiter, name):
    text = delimiter.join(["email", "first_name", "last_name"]) + "\n"
    text += delimiter.join(["a@example.com", "Ann", "Lee"]) + "\n"
    text += delimiter.join(["b@example.com", "Bo", "Ng"]) + "\n"
    path = write_bytes(tmp_path, name, text.encode())

    info = inspect_file(path, name)

    assert info.delimiter == delimiter
    assert info.headers == ["email", "first_name", "last_name"]
    assert rows_of(path, info) == [(2, ["a@example.com", "Ann", "Lee"]), (3, ["b@example.com", "Bo", "Ng"])]


def test_semicolon_file_with_commas_inside_cells_is_read_as_semicolon(tmp_path):
    text = 'Email;Name;Note\na@example.com;"Lee, Ann";one, two\nb@example.com;"Ng, Bo";three, four\n'
    path = write_bytes(tmp_path, "mixed.csv", text.encode())

    info = inspect_file(path, "mixed.csv")

    assert info.delimiter == ";"
    assert info.sample_rows == [
        ["a@example.com", "Lee, Ann", "one, two"],
        ["b@example.com", "Ng, Bo", "three, four"],
    ]


def test_single_column_file_falls_back_to_comma(tmp_path):
    path = write_bytes(tmp_path, "one.csv", b"email\na@example.com\nb@example.com\n")

    info = inspect_file(path, "one.csv")

    assert (info.delimiter, info.headers, info.row_estimate) == (",", ["email"], 2)


def test_quoted_newlines_stay_inside_the_cell_and_rows_are_numbered_as_records(tmp_path):
    text = 'email,note\r\na@example.com,"line one\r\nline two"\r\nb@example.com,"x\ny"\r\nc@example.com,plain\r\n'
    path = write_bytes(tmp_path, "quoted.csv", text.encode())

    info = inspect_file(path, "quoted.csv")

    assert rows_of(path, info) == [
        (2, ["a@example.com", "line one\r\nline two"]),
        (3, ["b@example.com", "x\ny"]),
        (4, ["c@example.com", "plain"]),
    ]


def test_blank_and_duplicate_headers_get_names(tmp_path):
    path = write_bytes(tmp_path, "headers.csv", b"Email,,Email, Name ,email,\na,b,c,d,e,\n")

    info = inspect_file(path, "headers.csv")

    # The trailing empty header (a stray comma) is no column; the blank one in the middle is "Column 2".
    assert info.headers == ["Email", "Column 2", "Email (2)", "Name", "email (3)"]
    assert info.sample_rows == [["a", "b", "c", "d", "e"]]


def test_short_and_long_rows_are_fitted_to_the_header_width_and_blank_rows_skipped(tmp_path):
    path = write_bytes(tmp_path, "ragged.csv", b"a,b,c\n1\n\n1,2,3,4,5\n,,\n7,8,9\n")

    info = inspect_file(path, "ragged.csv")

    assert rows_of(path, info) == [(2, ["1", "", ""]), (4, ["1", "2", "3"]), (6, ["7", "8", "9"])]


def test_internationalised_domain_names_pass_through_as_text(tmp_path):
    path = write_bytes(
        tmp_path, "idn.csv", "email,website\nanna@bücher.de,https://münchen.example\n".encode()
    )

    info = inspect_file(path, "idn.csv")

    assert rows_of(path, info) == [(2, ["anna@bücher.de", "https://münchen.example"])]


def test_formula_looking_csv_cells_stay_plain_text(tmp_path):
    path = write_bytes(
        tmp_path, "formula.csv", b'name,phone,note\n=1+1,+4930123456,@SUM(A1)\n"=HYPERLINK(""x"")",-5,\n'
    )

    info = inspect_file(path, "formula.csv")

    assert rows_of(path, info) == [
        (2, ["=1+1", "+4930123456", "@SUM(A1)"]),
        (3, ['=HYPERLINK("x")', "-5", ""]),
    ]


def make_workbook(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_is_read_with_formulas_as_their_text_never_computed(tmp_path):
    path = make_workbook(
        tmp_path / "people.xlsx",
        [
            ["Email", "Phone", "Score", "Note", None],
            ["a@example.com", 4930123456, "=1+1", "@foo", None],
            [None, None, None, None, None],
            ["b@example.com", "+49 30 1", 2.5, True, "extra"],
        ],
    )

    info = inspect_file(path, "people.xlsx")

    assert (info.kind, info.encoding, info.delimiter) == ("xlsx", "", "")
    assert info.headers == ["Email", "Phone", "Score", "Note"]
    assert info.row_estimate == 3
    assert rows_of(path, info) == [
        (2, ["a@example.com", "4930123456", "=1+1", "@foo"]),
        (4, ["b@example.com", "+49 30 1", "2.5", "TRUE"]),
    ]


def test_xlsx_dates_become_iso_text(tmp_path):
    import datetime

    path = make_workbook(
        tmp_path / "dates.xlsx",
        [["email", "signed_up"], ["a@example.com", datetime.datetime(2024, 3, 1)], ["b@example.com", 7]],
    )

    info = inspect_file(path, "dates.xlsx")

    assert rows_of(path, info) == [(2, ["a@example.com", "2024-03-01"]), (3, ["b@example.com", "7"])]


def test_file_over_the_size_limit_is_refused(tmp_path, settings):
    settings.TANDEM_IMPORT_MAX_BYTES = 1024
    path = write_bytes(tmp_path, "big.csv", b"email\n" + b"a@example.com\n" * 100)

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, "big.csv")

    assert error.value.message == (
        "This file is 1.4 KB; Tandem imports files up to 1.0 KB. Split it into smaller files."
    )


def test_a_2_gb_file_is_refused_without_being_read(tmp_path):
    # A sparse file: 2 GiB on paper, nothing on disk; refusing it must not read it.
    path = tmp_path / "huge.csv"
    with open(path, "wb") as handle:
        handle.truncate(2 * 1024**3)

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, "huge.csv")

    assert error.value.message == (
        "This file is 2.0 GB; Tandem imports files up to 512.0 MB. Split it into smaller files."
    )


def test_binary_file_named_csv_is_refused(tmp_path):
    path = write_bytes(tmp_path, "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, "photo.csv")

    assert error.value.message == (
        "This file is not a text file (it contains binary data). Upload a CSV file or an Excel (.xlsx) workbook."
    )


def test_empty_file_is_refused(tmp_path):
    path = write_bytes(tmp_path, "empty.csv", b"")

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, "empty.csv")

    assert error.value.message == "This file is empty."


def test_old_xls_is_refused_with_advice(tmp_path):
    path = write_bytes(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, "old.xls")

    assert error.value.message == (
        "This is an old Excel (.xls) file. Save it as .xlsx or .csv in your spreadsheet program, then upload it."
    )


def test_zip_bomb_disguised_as_xlsx_is_refused_before_opening(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, "bomb.xlsx")

    assert error.value.message == (
        "This workbook is compressed in a way real spreadsheets never are (it may be a zip bomb), "
        "so Tandem will not open it. Save it as CSV and upload that instead."
    )


def test_workbook_expanding_past_one_gib_is_refused(tmp_path, monkeypatch):
    # Writing a real gigabyte is slow; lower the ceiling to show the total is what is checked.
    monkeypatch.setattr(readers, "MAX_UNCOMPRESSED_BYTES", 1000)
    path = make_workbook(tmp_path / "large.xlsx", [["email"], ["a@example.com"]])

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, "large.xlsx")

    assert error.value.message.startswith("This workbook expands to ")
    assert error.value.message.endswith(
        "; Tandem reads workbooks up to 1,000 bytes unpacked. Save it as CSV and upload that instead."
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [("fake.xlsx", b"email\na@example.com\n"), ("notbook.xlsx", None)],
)
def test_file_that_is_not_a_workbook_is_refused(tmp_path, name, data):
    path = tmp_path / name
    if data is None:
        # A valid zip, but no workbook inside.
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "hello")
    else:
        path.write_bytes(data)

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, name)

    assert error.value.message == (
        "This file is not a valid Excel (.xlsx) workbook. Save it again as .xlsx or .csv and upload it."
    )


def test_file_with_10000_columns_is_refused(tmp_path):
    header = ",".join(f"c{number}" for number in range(10_000))
    path = write_bytes(tmp_path, "wide.csv", (header + "\n" + "," * 9_999 + "\n").encode())

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, "wide.csv")

    assert error.value.message == "This file has 10,000 columns; Tandem imports at most 500."


def test_xlsx_with_10000_columns_is_refused(tmp_path):
    path = make_workbook(tmp_path / "wide.xlsx", [[f"c{number}" for number in range(10_000)]])

    with pytest.raises(ImportFileError) as error:
        inspect_file(path, "wide.xlsx")

    assert error.value.message == "This file has 10,000 columns; Tandem imports at most 500."


def test_500_columns_are_allowed(tmp_path):
    header = ",".join(f"c{number}" for number in range(500))
    path = write_bytes(tmp_path, "wide.csv", (header + "\n").encode())

    info = inspect_file(path, "wide.csv")

    assert (len(info.headers), info.row_estimate) == (500, 0)


def test_row_estimate_of_a_large_file_is_close_to_the_truth(tmp_path):
    lines = b"".join(b"person%06d@example.com,First,Last\n" % number for number in range(20_000))
    path = write_bytes(tmp_path, "many.csv", b"email,first,last\n" + lines)

    info = inspect_file(path, "many.csv")

    assert 19_000 <= info.row_estimate <= 21_000
    assert sum(1 for _ in rows_of(path, info)) == 20_000


def test_hubspot_sample_file_is_read():
    path = FILES / "hubspot_contacts.csv"

    info = inspect_file(path, path.name)

    assert (info.encoding, info.delimiter, info.row_estimate) == ("utf-8", ",", 2)
    assert info.headers[:3] == ["First Name", "Last Name", "Email"]
    assert info.sample_rows[1][:3] == ["Grace", "Hopper", "grace@example.com"]


def test_rows_are_streamed_not_loaded(tmp_path):
    path = write_bytes(tmp_path, "stream.csv", b"email\na@example.com\nb@example.com\n")
    rows = iter_rows(path, kind="csv", encoding="utf-8", delimiter=",")

    first = next(rows)

    assert first == (2, ["a@example.com"])
    rows.close()
