"""Converting large JSON and XLSX files takes memory that does not grow with
the file: each is converted in a child process whose peak resident memory is
measured."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

SRC = Path(__file__).resolve().parents[3] / "src"

# Peak memory of the conversion above the child's memory after its imports.
# Holding the whole document took ten times the file's size: 200 MB for the
# 20 MB JSON file, against a bound of 30 MB.
JSON_MB = 20
JSON_BOUND_MB = 30
XLSX_BOUND_MB = 60
# The XLSX test file is written in pieces of this many elements, one write each.
CHUNK = 10_000

CHILD = """
import json, resource, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from allmende.catalog.engine import convert
from allmende.catalog.engine.options import Limits
import ijson, openpyxl, openpyxl.reader.excel  # counted in the baseline
def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
before = peak()
source, target = Path(sys.argv[2]), Path(sys.argv[3])
if source.suffix == ".xlsx":
    convert.xlsx_to_csv(source, target, Limits(), None)
else:
    convert.json_to_csv(source, target, Limits())
print(json.dumps({"before": before, "after": peak()}))
"""


def _convert_in_child(source: Path, target: Path) -> float:
    """Megabytes the conversion added to the child's peak memory."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(SRC), str(source), str(target)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return float(figures["after"] - figures["before"])


def _large_json(path: Path, megabytes: int) -> int:
    records = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        size = 0
        while size < megabytes * 1024 * 1024:
            record = {
                "id": records,
                "name": f"Verein Nummer {records} in Köln",
                "value": records * 0.25,
                "nested": {"list": [records, records + 1], "flag": records % 2 == 0},
            }
            text = ("," if records else "") + json.dumps(record, ensure_ascii=False)
            out.write(text)
            size += len(text)
            records += 1
        out.write("]")
    return records


def test_converting_a_large_json_array_takes_bounded_memory(tmp_path: Path) -> None:
    source = tmp_path / "large.json"
    records = _large_json(source, JSON_MB)
    target = tmp_path / "large.csv"
    grown = _convert_in_child(source, target)
    with target.open(encoding="utf-8") as converted:
        header = converted.readline().strip()
        lines = 1 + sum(1 for _ in converted)
    assert header == "id,name,value,nested"
    assert lines == records + 1
    assert grown < JSON_BOUND_MB, f"conversion took {grown:.0f} MB"


def _xlsx_with_shared_strings(path: Path, rows: int) -> None:
    """A sheet whose cells are all distinct shared strings."""
    columns = "ABCD"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType='
            '"application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats'
            '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            "schemas.openxmlformats.org/officeDocument/2006/relationships/"
            'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="Tabelle1" '
            'sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats'
            '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            "schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
            '" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://'
            "schemas.openxmlformats.org/officeDocument/2006/relationships/"
            'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(
                b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main">'
            )
            for start in range(0, rows * 4, CHUNK):
                part.write(
                    "".join(
                        f"<si><t>{escape(f'Zelle {i} mit Text & Umlaut ä')}</t></si>"
                        for i in range(start, min(start + CHUNK, rows * 4))
                    ).encode()
                )
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(
                b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats'
                b'.org/spreadsheetml/2006/main"><sheetData>'
            )
            for start in range(0, rows, CHUNK):
                part.write(
                    "".join(
                        f'<row r="{r + 1}">'
                        + "".join(
                            f'<c r="{columns[c]}{r + 1}" t="s"><v>{r * 4 + c}</v></c>'
                            for c in range(4)
                        )
                        + "</row>"
                        for r in range(start, min(start + CHUNK, rows))
                    ).encode()
                )
            part.write(b"</sheetData></worksheet>")


def test_xlsx_with_a_million_shared_strings_converts_in_bounded_memory(
    tmp_path: Path,
) -> None:
    source = tmp_path / "strings.xlsx"
    _xlsx_with_shared_strings(source, 250_000)
    target = tmp_path / "strings.csv"
    grown = _convert_in_child(source, target)
    with target.open(encoding="utf-8") as converted:
        first = converted.readline().strip()
        lines = 1 + sum(1 for _ in converted)
    assert first.startswith("Zelle 0 mit Text & Umlaut ä,Zelle 1 ")
    assert lines == 250_000
    assert grown < XLSX_BOUND_MB, f"conversion took {grown:.0f} MB"
