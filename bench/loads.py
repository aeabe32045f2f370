"""Time and peak memory of loading large JSON and XLSX files.

Run from the repository root::

    .venv/bin/python bench/loads.py              # about 50 MB of JSON
    .venv/bin/python bench/loads.py --json-mb 20 --xlsx-rows 100000
    .venv/bin/python bench/loads.py --src /path/to/other/checkout/src

It generates, under ``bench/out/``, a JSON array of records with nested
values, unicode text and a changing set of keys, a GeoJSON file of points,
and a spreadsheet whose cells are almost all distinct shared strings.  Each
file is loaded by ``engine.ingest`` in its own child process, which reports
the wall time, its processor time (user and system, which other work on the
machine does not inflate) and its peak resident memory (``ru_maxrss``).
``--src`` measures another checkout's engine (before and after a change).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"

WORDS = (
    "Straße",
    "Größe",
    "naïve",
    "東京",
    "Ελλάδα",
    "добро",
    "🌍",
    "Øresund",
    "façade",
    "Zürich",
    "ça",
    "Łódź",
)


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def write_json(path: Path, target_bytes: int, seed: int = 7) -> int:
    """A JSON array of records; later records bring keys the first lack."""
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        written = 2
        while written < target_bytes:
            record: dict[str, Any] = {
                "kennung": f"K-{rows:08d}",
                "beschreibung": _text(rng, rng.randint(2, 12)),
                "betrag": round(rng.uniform(-1e6, 1e6), 3),
                "anzahl": rng.randint(0, 10**9),
                "aktiv": rng.random() < 0.5,
                "stichtag": dt.date(
                    2010 + rng.randint(0, 19), rng.randint(1, 12), 5
                ).isoformat(),
                "tags": [_text(rng, 1) for _ in range(rng.randint(0, 4))],
                "adresse": {
                    "ort": rng.choice(WORDS),
                    "plz": f"{rng.randint(1000, 99999):05d}",
                    "geo": [
                        round(rng.uniform(5, 15), 5),
                        round(rng.uniform(47, 55), 5),
                    ],
                },
                "leer": None,
            }
            if rows % 7 == 3:
                record["anmerkung"] = _text(rng, 3)
            if rows > 1000 and rows % 11 == 0:
                record["spät_hinzugekommen"] = rng.randint(1, 5)
            line = json.dumps(record, ensure_ascii=rows % 2 == 0)
            if rows:
                out.write(",\n")
                written += 2
            out.write(line)
            written += len(line.encode("utf-8"))
            rows += 1
        out.write("\n]\n")
    return rows


def write_geojson(path: Path, target_bytes: int, seed: int = 11) -> int:
    rng = random.Random(seed)
    rows = 0
    with path.open("w", encoding="utf-8") as out:
        # "type" after "features", as some exporters write it.
        out.write('{"features": [\n')
        written = 20
        while written < target_bytes:
            feature = {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [rng.uniform(5, 15), rng.uniform(47, 55)],
                },
                "properties": {
                    "name": _text(rng, 3),
                    "höhe": rng.randint(0, 3000),
                    "meta": {
                        "quelle": rng.choice(WORDS),
                        "jahr": rng.randint(1900, 2030),
                    },
                },
            }
            line = json.dumps(feature, ensure_ascii=False)
            if rows:
                out.write(",\n")
            out.write(line)
            written += len(line.encode("utf-8")) + 2
            rows += 1
        out.write('\n], "type": "FeatureCollection"}\n')
    return rows


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType='
        '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/officeDocument" Target='
        '"xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships"><sheets><sheet name="Daten" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
        '.org/officeDocument/2006/relationships/worksheet" Target='
        '"worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    ),
}


def write_xlsx(path: Path, rows: int, seed: int = 13) -> int:
    """A sheet of ``rows`` rows: four shared-string columns of almost
    distinct unicode text, a number and an inline string."""
    rng = random.Random(seed)
    letters = "ABCDEF"
    strings = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                b'2006/main">'
            )
            header = ["Kürzel", "Titel", "Ort", "Notiz"]
            for value in header:
                part.write(f"<si><t>{escape(value)}</t></si>".encode())
            for i in range(rows * 4):
                value = f"{rng.choice(WORDS)} {i} {rng.choice(WORDS)}"
                part.write(f"<si><t>{escape(value)}</t></si>".encode())
            part.write(b"</sst>")
            strings = rows * 4 + 4
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData>'
            )
            cells = "".join(
                f'<c r="{letters[i]}1" t="s"><v>{i}</v></c>' for i in range(4)
            )
            part.write(
                (
                    f'<row r="1">{cells}<c r="E1" t="s"><v>0</v></c>'
                    '<c r="F1" t="inlineStr"><is><t>Zusatz</t></is></c></row>'
                ).encode()
            )
            for r in range(rows):
                n = r + 2
                base = 4 + r * 4
                cells = "".join(
                    f'<c r="{letters[i]}{n}" t="s"><v>{base + i}</v></c>'
                    for i in range(4)
                )
                part.write(
                    (
                        f'<row r="{n}">{cells}<c r="E{n}"><v>{rng.random() * 1000}'
                        f'</v></c><c r="F{n}" t="inlineStr"><is><t>'
                        f"{escape(rng.choice(WORDS))}</t></is></c></row>"
                    ).encode()
                )
            part.write(b"</sheetData></worksheet>")
    return strings


CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {src!r})
from allmende.catalog.engine import IngestOptions, Limits, ingest
limits = Limits(max_file_bytes=1 << 34, max_json_bytes=1 << 34)
started = time.perf_counter()
result = ingest(Path({source!r}), Path({dest!r}), options=IngestOptions(limits=limits))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{
    "seconds": round(time.perf_counter() - started, 1),
    "cpu": round(usage.ru_utime + usage.ru_stime, 1),
    "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "rows": result.row_count,
    "columns": len(result.columns),
}}))
"""


def measure(source: Path, src: Path) -> dict[str, Any]:
    dest = source.parent / f"{source.stem}-{source.suffix[1:]}-table"
    if dest.exists():
        import shutil

        shutil.rmtree(dest)
    code = CHILD.format(src=str(src), source=str(source), dest=str(dest))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json-mb", type=float, default=50)
    parser.add_argument("--geojson-mb", type=float, default=20)
    parser.add_argument("--xlsx-rows", type=int, default=500_000)
    parser.add_argument("--only", choices=("json", "geojson", "xlsx"))
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    out = args.out
    out.mkdir(exist_ok=True)
    files: dict[str, tuple[Path, str]] = {}
    if args.only in (None, "json"):
        path = out / "loads.json"
        rows = write_json(path, int(args.json_mb * 1024 * 1024))
        files["JSON"] = (path, f"{rows:,} records")
    if args.only in (None, "geojson"):
        path = out / "loads.geojson"
        rows = write_geojson(path, int(args.geojson_mb * 1024 * 1024))
        files["GeoJSON"] = (path, f"{rows:,} features")
    if args.only in (None, "xlsx"):
        path = out / "loads.xlsx"
        strings = write_xlsx(path, args.xlsx_rows)
        files["XLSX"] = (path, f"{strings:,} shared strings")
    print("| file | size | content | seconds | CPU seconds | peak memory | rows |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for label, (path, content) in files.items():
        size = path.stat().st_size / 1024 / 1024
        result = measure(path, args.src)
        if "error" in result:
            print(
                f"| {label} | {size:.1f} MB | {content} | failed: {result['error']} |"
            )
            continue
        print(
            f"| {label} | {size:.1f} MB | {content} | {result['seconds']} |"
            f" {result['cpu']} | {result['peak_mb']} MB | {result['rows']:,} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
