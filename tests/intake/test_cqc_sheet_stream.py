"""The streamed sheet reader (sgoversight.intake.sheet_stream) gives the values python-calamine
gives for the same cells, XLSX and ODS, and refuses what it does not read so calamine reads it."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from sgoversight.intake import sheet_stream
from tests.fixtures.cqc_ratings import HEADERS, RatedLocation, write_ratings_file


def _trimmed(rows: Any) -> list[list[Any]]:
    found = []
    for row in rows:
        cells = list(row)
        while cells and cells[-1] == "":
            cells.pop()
        found.append(cells)
    while found and not found[-1]:
        found.pop()
    return found


def _calamine(path: Path, sheet: str) -> list[list[Any]]:
    return _trimmed(CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).iter_rows())


def _streamed(path: Path, sheet: str) -> list[list[Any]]:
    return _trimmed(sheet_stream.sheet_rows(str(path), sheet))


@pytest.mark.parametrize("suffix", ["xlsx", "ods"])
def test_a_generated_ratings_file_reads_as_calamine_reads_it(tmp_path: Path, suffix: str) -> None:
    location = RatedLocation(
        "1-101", "Café & Co <Residential>", {"overall": "Good"}, dt.date(2024, 2, 29)
    )
    path = write_ratings_file(
        tmp_path / f"ratings.{suffix}", 300, [location], headers=HEADERS[::-1]
    )
    streamed = _streamed(path, "Locations")
    assert streamed == _calamine(path, "Locations")
    assert any("Café & Co <Residential>" in row for row in streamed)
    assert any(dt.date(2024, 2, 29) in row for row in streamed)


def test_every_kind_of_xlsx_cell_reads_as_calamine_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "cells.xlsx"
    workbook = xlsxwriter.Workbook(str(path))  # shared strings, not constant-memory mode
    workbook.add_worksheet("First")
    sheet = workbook.add_worksheet("Locations")
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    moment = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write_row(0, 0, ["text", "whole", "decimal", "day", "moment", "yes", "formula"])
    sheet.write_string(1, 0, "a & b < c")
    sheet.write_number(1, 1, 48)
    sheet.write_number(1, 2, 2.5)
    sheet.write_datetime(1, 3, dt.date(2023, 12, 31), day)
    sheet.write_datetime(1, 4, dt.datetime(2023, 12, 31, 14, 30), moment)
    sheet.write_boolean(1, 5, True)
    sheet.write_formula(1, 6, "=B2*2", None, 96)
    sheet.write_string(3, 27, "far right, row 4")  # a gap row and column AB
    sheet.write_string(4, 0, "  spaces kept  ")
    workbook.close()
    streamed = _streamed(path, "locations")  # the name ignoring case
    assert streamed == _calamine(path, "Locations")
    assert streamed[1][:5] == [
        "a & b < c",
        48.0,
        2.5,
        dt.date(2023, 12, 31),
        dt.datetime(2023, 12, 31, 14, 30),
    ]
    assert streamed[2] == []
    assert streamed[3][27] == "far right, row 4"


_ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2">
<office:body><office:spreadsheet>
<table:table table:name="Notes"><table:table-row><table:table-cell office:value-type="string">\
<text:p>ignore me</text:p></table:table-cell></table:table-row></table:table>
<table:table table:name="Locations">
<table:table-column table:number-columns-repeated="4"/>
<table:table-row><table:table-cell office:value-type="string"><text:p>Location ID</text:p>\
</table:table-cell><table:table-cell table:number-columns-repeated="2"/>\
<table:table-cell office:value-type="string"><text:p>URL</text:p></table:table-cell>\
<table:table-cell table:number-columns-repeated="1020"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string"><text:p>1-<text:span>10</text:span>1\
</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="3.5">\
<text:p>3.5</text:p></table:table-cell><table:table-cell office:value-type="boolean" \
office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell>\
<table:table-cell office:value-type="string"><text:p><text:a xlink:href="https://x.example/1">\
https://x.example/1</text:a></text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="2">\
<table:table-cell table:number-columns-repeated="1024"/></table:table-row>
<table:table-row><table:table-cell office:value-type="string" table:number-columns-repeated="2">\
<text:p>same</text:p></table:table-cell><table:table-cell office:value-type="date" \
office:date-value="2024-03-01"><text:p>01/03/2024</text:p></table:table-cell>\
<table:table-cell office:value-type="string"><text:p>a<text:s text:c="2"/>b</text:p>\
<text:p>second line</text:p></table:table-cell></table:table-row>
<table:table-row table:number-rows-repeated="1048000"><table:table-cell \
table:number-columns-repeated="1024"/></table:table-row>
</table:table>
</office:spreadsheet></office:body></office:document-content>
"""


_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">
 <manifest:file-entry manifest:full-path="/"
  manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""


def test_ods_repeats_rich_text_and_values_read_as_calamine_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "cells.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", _MANIFEST)
        archive.writestr("content.xml", _ODS_CONTENT)
    streamed = _streamed(path, "Locations")
    assert streamed == [
        ["Location ID", "", "", "URL"],
        ["1-101", 3.5, True, "https://x.example/1"],
        [],
        [],
        ["same", "same", dt.date(2024, 3, 1), "a  b\nsecond line"],
    ]
    assert streamed == _calamine(path, "Locations")


def test_a_missing_sheet_names_the_sheets(tmp_path: Path) -> None:
    path = write_ratings_file(tmp_path / "a.ods", 5, sheet="Providers")
    with pytest.raises(sheet_stream.SheetMissing) as missing:
        list(sheet_stream.sheet_rows(str(path), "Locations"))
    assert missing.value.names == ["Notes", "Providers"]


@pytest.mark.parametrize("content", [b"not a zip at all", b""])
def test_what_is_not_an_xlsx_or_ods_workbook_is_left_to_calamine(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    with pytest.raises(sheet_stream.NotStreamable):
        sheet_stream.sheet_rows(str(path), "Locations")
