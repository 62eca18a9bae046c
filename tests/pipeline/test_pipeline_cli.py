"""`frameline analyze` as a user runs it: a real process on a real workspace."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from frameline.records import RawDocument, SourceRef
from frameline.workspace import init_workspace


def frameline(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "frameline", *args], capture_output=True, text=True, timeout=120)


def test_analyze_reports_per_analyser_then_has_nothing_left_to_do(tmp_path: Path):
    workspace = init_workspace(tmp_path / "case")
    store = workspace.open_store()
    source = SourceRef(kind="telegram", name="Nashir News", groups=("extremist",))
    store.write_documents([
        RawDocument(source=source, native_id="1", text="The soldiers of the Caliphate continue until victory"),
        RawDocument(source=source, native_id="2", text="جنود الخلافة مستمرون حتى النصر أو الشهادة في الموصل"),
    ])
    store.close()

    first = frameline("analyze", "--workspace", str(workspace.path))
    assert first.returncode == 0, first.stderr
    assert re.search(r"language\s*│\s*1\s*│\s*2\s*│.*│\s*inline", first.stdout), first.stdout

    again = frameline("analyze", "--workspace", str(workspace.path), "--json")
    assert again.returncode == 0, again.stderr
    second_run = {row["analyser"]: row["documents"] for row in json.loads(again.stdout)}
    assert "language" in second_run and set(second_run.values()) == {0}

    status = json.loads(frameline("status", "--workspace", str(workspace.path), "--json").stdout)
    assert status["languages"] == {"ar": 1, "en": 1}

    unknown = frameline("analyze", "--only", "no-such-analyser", "--workspace", str(workspace.path))
    assert unknown.returncode == 1, unknown.stderr
    assert re.search(r"no analyser named 'no-such-analyser'; available: .*\blanguage\b", unknown.stderr), unknown.stderr


def test_analyze_since_analyses_only_documents_published_from_that_date(tmp_path: Path):
    from datetime import datetime, timezone

    workspace = init_workspace(tmp_path / "case")
    store = workspace.open_store()
    source = SourceRef(kind="telegram", name="Nashir News", groups=("extremist",))
    store.write_documents([
        RawDocument(source=source, native_id="june", text="The offensive on the Old City of Mosul began today",
                    published_at=datetime(2017, 6, 18, 23, 30, tzinfo=timezone.utc)),
        RawDocument(source=source, native_id="july", text="جنود الخلافة مستمرون حتى النصر أو الشهادة في الموصل",
                    published_at=datetime(2017, 7, 1, 8, tzinfo=timezone.utc)),
        RawDocument(source=source, native_id="later", text="Iraqi forces declared victory in Mosul on Monday",
                    published_at=datetime(2017, 7, 10, tzinfo=timezone.utc)),
    ])
    store.close()

    since = frameline("analyze", "--only", "language", "--since", "2017-07-01", "--workspace", str(workspace.path),
                      "--json")
    assert since.returncode == 0, since.stderr
    assert {row["analyser"]: row["documents"] for row in json.loads(since.stdout)} == {"language": 2}
    store = workspace.open_store()
    languages = {document.native_id: document.language for document in store.iter_documents()}
    store.close()
    assert languages == {"june": None, "july": "ar", "later": "en"}  # the June post was not analysed

    rest = frameline("analyze", "--only", "language", "--workspace", str(workspace.path), "--json")
    assert {row["analyser"]: row["documents"] for row in json.loads(rest.stdout)} == {"language": 1}

    bad = frameline("analyze", "--since", "July 2017", "--workspace", str(workspace.path))
    assert bad.returncode != 0 and "--since" in bad.stderr, bad.stderr
