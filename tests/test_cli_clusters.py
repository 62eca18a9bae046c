"""`frameline clusters …` on a real workspace: list, show, export a list, import it elsewhere, reset."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from typer.testing import CliRunner

from frameline.cli import app
from frameline.records import RawDocument, SourceRef
from frameline.workspace import init_workspace

CLAIM = ("The soldiers of the Caliphate repelled an attack by the Rafidi army on the outskirts of the old city "
         "of Mosul, killing dozens of them and destroying several vehicles, and the battle goes on until victory.")
OTHER = ("The Iraqi government announced today that the city of Mosul has been fully liberated after nine months "
         "of fighting, and people went out into the streets to celebrate the victory over the organisation.")
T0 = datetime(2017, 7, 10, tzinfo=timezone.utc)


def run(*args: str):  # noqa: ANN201
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result


def make_workspace(path, texts: list[tuple[str, str]]):  # noqa: ANN001, ANN201
    workspace = init_workspace(path)
    store = workspace.open_store()
    store.write_documents([RawDocument(source=SourceRef("telegram", source), native_id=str(n), text=text,
                                       published_at=T0 + timedelta(hours=n)) for n, (source, text) in enumerate(texts)])
    store.close()
    return str(workspace.path)


def test_clusters_list_show_export_import_and_reset(tmp_path):
    ours = make_workspace(tmp_path / "ours", [("Nashir News", CLAIM), ("relay 1", f"Amaq:\n{CLAIM} #Mosul\nshare"),
                                              ("relay 2", f"BREAKING\n{CLAIM}\nshare #IS"), ("Iraqi News", OTHER)])
    assert run("analyze", "-w", ours).exit_code == 0
    listed = json.loads(run("clusters", "list", "-w", ours, "--json").stdout)
    assert [(c["size"], c["sources"], c["first_source"]) for c in listed] == [(3, 3, "Nashir News")]
    cluster = listed[0]["id"]
    shown = json.loads(run("clusters", "show", str(cluster), "-w", ours, "--json").stdout)
    assert [m["method"] for m in shown["members"]] == ["founder", "exact", "exact"]
    assert "no cluster 999" in run("clusters", "show", "999", "-w", ours).stderr

    exported = tmp_path / "amaq.txt"
    result = run("clusters", "export-hashes", str(cluster), "--label", "Amaq claim", "--out", str(exported), "-w", ours)
    assert result.exit_code == 0 and "Wrote 2 hashes of 1 cluster to" in result.stdout  # the copies are one canonical text
    everything = run("clusters", "export-hashes", "--min-size", "2", "-w", ours).stdout
    assert everything.count(f"\tcluster {cluster}\tNashir News\n") == 2  # default label and first poster
    assert run("clusters", "export-hashes", "-w", ours).exit_code != 0  # neither ids nor --min-size

    theirs = make_workspace(tmp_path / "theirs", [("mirror", f"Repost\n{CLAIM}\nJoin us"), ("mirror", OTHER)])
    imported = run("clusters", "import-hashes", str(exported), "--name", "partner", "-w", theirs)
    assert imported.exit_code == 0, imported.stdout
    assert "Imported 2 hashes as list partner" in imported.stdout and "1 match the list" in imported.stdout
    assert "partner" in run("clusters", "lists", "-w", theirs).stdout
    bad = tmp_path / "bad.txt"
    bad.write_text("exact/1:zz\tx\ty\n", encoding="utf-8")
    refused = run("clusters", "import-hashes", str(bad), "-w", theirs)
    assert refused.exit_code == 1 and "bad.txt, line 1" in refused.stderr

    reset = run("clusters", "reset", "--recluster", "-w", ours)
    assert "Removed 1 clusters" in reset.stdout and "4 documents: 1 clusters" in reset.stdout
    assert json.loads(run("clusters", "list", "-w", ours, "--json").stdout)[0]["size"] == 3
