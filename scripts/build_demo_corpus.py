"""Rebuild the bundled demo corpus (src/frameline/demo_corpus/) from ../shared/data.

Run with `make demo-corpus`.  The bundled files are the openly licensed data
that ../shared/data/README.md marks *may ship*, changed only in format, so
that anyone can check exactly what the demo shows and where it came from:

- supporters.csv.gz: isis-tweets/IsisFanboy.csv byte for byte (CC0).
- official-propaganda.csv.gz: isis-texts/isis-religious-texts.csv, its first 8
  columns (the release's own; the other 93 are text-analysis scores added
  later) and without its one entirely empty row (CC0 data).
- mainstream.jsonl.gz: events/mosul_events_extract.json, one JSON line per
  dated event (CC BY-SA 3.0): `items` (headline, lede and news links) and
  `related_index` (headline only).  Each line keeps the original fields and
  adds `text` (the headline, and the lede after a blank line), `url` (the
  first news link) and `source`; HTML character references in the ledes
  (`&quot;`) are decoded.

The output is deterministic (gzip without a timestamp, fixed key order), so
re-running on the same data gives the same bytes and the same checksums in
corpus.yaml; see DATA_LICENSES.md for sources, licences and attribution.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import html
import io
import json
from pathlib import Path

import yaml

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPOSITORY.parent / "shared" / "data"
DEFAULT_OUT = REPOSITORY / "src" / "frameline" / "demo_corpus"
TEXT_COLUMNS = 8  # the Fifth Tribe release's own columns in isis-religious-texts.csv
EVENTS_SOURCE = "Wikipedia Current Events Portal (via the Context)"


def _gzip(payload: bytes, path: Path) -> None:
    """Compressed without a file name or timestamp, so the same input gives the same bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as stream:
        stream.write(payload)
    path.write_bytes(buffer.getvalue())


def _sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def supporters(data: Path) -> tuple[bytes, bytes, int]:
    original = (data / "isis-tweets" / "IsisFanboy.csv").read_bytes()
    rows = sum(1 for _ in csv.reader(io.StringIO(original.decode("utf-8")))) - 1
    return original, original, rows


def official_propaganda(data: Path) -> tuple[bytes, bytes, int]:
    original = (data / "isis-texts" / "isis-religious-texts.csv").read_bytes()
    reader = csv.reader(io.StringIO(original.decode("utf-8"), newline=""))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(next(reader)[:TEXT_COLUMNS])
    rows = 0
    for row in reader:
        kept = row[:TEXT_COLUMNS]
        if not any(value.strip() for value in kept):
            continue  # the release's one empty row: no magazine, no quote
        writer.writerow(kept)
        rows += 1
    return original, out.getvalue().encode("utf-8"), rows


def mainstream(data: Path) -> tuple[bytes, bytes, int]:
    original = (data / "events" / "mosul_events_extract.json").read_bytes()
    extract = json.loads(original)
    lines = []
    for part in ("items", "related_index"):
        for event in extract.get(part, []):
            record = dict(event)
            lede = html.unescape(event["lede"]) if event.get("lede") else None
            if lede is not None:
                record["lede"] = lede
            record["text"] = event["headline"] + (f"\n\n{lede}" if lede else "")
            links = event.get("sources") or []
            record["url"] = links[0]["url"] if links else None
            record["source"] = EVENTS_SOURCE
            record["part"] = part
            lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    lines.sort(key=lambda line: (json.loads(line)["date"], json.loads(line)["repo_path"]))
    return original, ("\n".join(lines) + "\n").encode("utf-8"), len(lines)


PARTS = [
    # file, builder, importer, preset, groups, source name, original file, licence, attribution
    ("supporters.csv.gz", supporters, "csv", "isis-related-tweets", ["supporters", "extremist"], None,
     "isis-tweets/IsisFanboy.csv", "CC0-1.0", "Fifth Tribe, \"How ISIS Uses Twitter\" (Kaggle)"),
    ("official-propaganda.csv.gz", official_propaganda, "csv", "isis-religious-texts",
     ["official-propaganda", "extremist"], None, "isis-texts/isis-religious-texts.csv", "CC0-1.0",
     "Fifth Tribe, \"Religious Texts Used By ISIS\" (Kaggle)"),
    ("mainstream.jsonl.gz", mainstream, "jsonl", "wikipedia-current-events", ["mainstream"], EVENTS_SOURCE,
     "events/mosul_events_extract.json", "CC-BY-SA-3.0",
     "Headlines from Wikipedia's Current Events Portal by Wikipedia contributors, via the Context "
     "(thecontext.net); ledes quoted from the linked news reports. Converted to JSON Lines; shared under "
     "CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/)."),
]


def build(data: Path, out: Path) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, builder, importer, preset, groups, source_name, original_name, licence, attribution in PARTS:
        original, converted, records = builder(data)
        _gzip(converted, out / name)
        manifest.append({
            "file": name, "importer": importer, "preset": preset, "groups": groups,
            **({"source_name": source_name} if source_name else {}),
            "records": records, "licence": licence, "attribution": attribution,
            "from": original_name, "from_sha256": _sha256(original),
            "sha256": _sha256(converted), "bytes": (out / name).stat().st_size,
        })
    header = ("# Written by scripts/build_demo_corpus.py (`make demo-corpus`); do not edit by hand.\n"
              "# Each part: the bundled file, how `make demo` imports it, and the checksums of the shared-data\n"
              "# file it was converted from and of the uncompressed result.  Licences: DATA_LICENSES.md.\n")
    (out / "corpus.yaml").write_text(header + yaml.safe_dump({"parts": manifest}, sort_keys=False, allow_unicode=True),
                                     encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder (../shared/data)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    arguments = parser.parse_args()
    for part in build(arguments.data, arguments.out):
        print(f"{part['file']}: {part['records']:,} records, {part['bytes']:,} bytes (from {part['from']})")


if __name__ == "__main__":
    main()
