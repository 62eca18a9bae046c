"""`make demo`: build a demo workspace once, then show what Frameline finds in it.

Until the bundled demo corpus and the web UI land, the demo imports the small
Telegram export the tests use plus, when ../shared/data sits beside the
checkout, the real openly licensed samples there; runs the analysis; then it
prints the workspace status and a few searches in English and Arabic.  A second run
reuses the workspace and starts in seconds.  It never fails on missing data:
it says what it skipped.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from frameline.pipeline import analyze
from frameline.sources import BrokenImporter, UnknownImporter, get_importer
from frameline.sources.base import ImportOptions, ImportRejected
from frameline.sources.runner import run_import
from frameline.store import SearchQuery
from frameline.workspace import init_workspace

console = Console(soft_wrap=True)
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
DEMO_QUERIES = ["Mosul OR الموصل", "الدوله الاسلاميه", '"Islamic State"', "caliph*", "baghdadi -video"]

# A channel post in the shape Telegram Desktop exports, written for the demo so
# that it works even without ../shared/data.
FIXTURE_MESSAGES = [
    {"id": 1, "type": "service", "date_unixtime": "1499600000", "actor": "demo", "action": "create_channel"},
    {"id": 2, "type": "message", "date_unixtime": "1499688000", "from": "demo channel",
     "text": ["Frameline demo: a channel export with ", {"type": "hashtag", "text": "#hashtags"},
              " and ", {"type": "text_link", "text": "links", "href": "https://example.org/"}, "."]},
    {"id": 3, "type": "message", "date_unixtime": "1499691600", "from": "demo channel",
     "text": "Arabic text is searchable across spelling variants: الدولة الإسلامية / الدوله الاسلاميه"},
]


def _imports(data: Path, fixture: Path) -> list[tuple[str, list[Path], ImportOptions]]:
    plan = [("telegram", [fixture], ImportOptions(source_name="Frameline demo fixture", groups=("demo",)))]
    telegram_sample = data / "telegram" / "tg2md-channel-2020"
    if telegram_sample.is_dir():
        plan.append(("telegram", [telegram_sample], ImportOptions(groups=("test-channel",))))
    tweets = data / "isis-tweets" / "IsisFanboy.csv"
    if tweets.is_file():
        plan.append(("csv", [tweets], ImportOptions(preset="isis-related-tweets", groups=("supporters", "extremist"))))
    return plan


def _top(counts: dict[str, int], n: int = 8) -> str:
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    return ", ".join(f"{name} {count:,}" for name, count in ranked[:n]) + (" …" if len(ranked) > n else "")


def build(workspace_path: Path, data: Path) -> None:
    fresh = not (workspace_path / "frameline.yaml").exists()
    workspace = init_workspace(workspace_path)
    store = workspace.open_store()
    if fresh or store.count_documents() == 0:
        with tempfile.TemporaryDirectory() as folder:
            fixture = Path(folder) / "result.json"
            fixture.write_text(json.dumps({"name": "Frameline demo fixture", "type": "public_channel", "id": 1,
                                           "messages": FIXTURE_MESSAGES}, ensure_ascii=False), encoding="utf-8")
            for importer, paths, options in _imports(data, fixture):
                try:
                    get_importer(importer)
                    report = run_import(store, importer, paths, options, rejects_dir=workspace.rejects_dir,
                                        actor="demo")
                except (UnknownImporter, BrokenImporter, ImportRejected) as error:
                    console.print(f"[yellow]skipped[/] {importer}: {escape(str(error))}")
                    continue
                console.print(f"imported {escape(', '.join(p.name for p in paths))}: {report.summary()}")
        if not data.is_dir():
            console.print(f"[yellow]note[/]: {escape(str(data))} not found; the demo shows the built-in fixture only")
    else:
        console.print(f"Reusing the demo workspace at {escape(str(workspace_path.resolve()))}")
    run = analyze(store, workspace)  # only what is missing or stale: nothing on a second run
    for analysed in run.analysers:
        console.print(f"analysed with {analysed.name}: {analysed.documents:,} documents in {analysed.seconds:.1f} s")
    summary = store.status()
    console.print(f"[bold]{summary['documents']:,} documents[/] in {len(summary['sources']):,} sources; "
                  f"groups: {escape(json.dumps(summary['groups'], ensure_ascii=False))}; "
                  f"top languages: {escape(_top(summary['languages']))}")
    for query in DEMO_QUERIES:
        results = store.search(SearchQuery(query, limit=3))
        console.rule(f"search: {escape(query)} · {results.total:,}{'+' if results.total_is_lower_bound else ''} hits")
        for hit in results.hits:
            snippet = "".join(f"[reverse]{escape(f.text)}[/]" if f.highlighted else escape(f.text) for f in hit.snippet)
            console.print(f"[cyan]#{hit.document.id}[/] [magenta]{escape(hit.source.name)}[/] {snippet}")
    console.print(f"\nTry: .venv/bin/frameline search 'Mosul OR الموصل' --workspace {escape(str(workspace_path))}")
    console.print("(The web UI is not built yet; `make demo` will serve it once it is.)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path(".demo-workspace"))
    parser.add_argument("--data", type=Path, default=SHARED_DATA)
    arguments = parser.parse_args()
    build(arguments.workspace, arguments.data)


if __name__ == "__main__":
    main()
