"""The frame-coding commands as an analyst types them: another database, a broken gold file, `python -m`."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from frameline.cli import app
from frameline.records import RawDocument, SourceRef
from frameline.store import open_store, sqlite_url
from frameline.store.annotations import list_annotations

SENTENCE = "The soldiers of the Caliphate continue until victory or martyrdom."


def test_annotate_reads_and_writes_the_database_named_by_database_url(workspace, tmp_path):
    other_url = sqlite_url(tmp_path / "team.db")
    other = open_store(other_url)
    other.write_documents([RawDocument(SourceRef("files", "team", groups=("extremist",)), SENTENCE, native_id="1")])
    runner = CliRunner()
    base = ["-w", str(workspace.path), "--database-url", other_url]
    listed = runner.invoke(app, ["annotate", "--next", "3", *base])
    assert listed.exit_code == 0, listed.output
    assert "1:0-" in listed.output  # the sentence lives only in the other database
    key = f"1:0-{len(SENTENCE)}"
    decided = runner.invoke(app, ["annotate", "accept", key, "steadfastness", "-a", "alice", *base])
    assert decided.exit_code == 0, decided.output
    assert [row.frame for row in list_annotations(other)] == ["steadfastness"]
    assert list_annotations(workspace.open_store()) == []  # the workspace's own database is untouched
    agreement = runner.invoke(app, ["annotate", "agreement", *base])
    assert "1 annotators" in agreement.output
    other.close()


def test_a_broken_gold_file_is_one_error_line_naming_file_and_line(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"text": "Fine.", "frames": [], "split": "test"}\n{not json\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "frames", "--gold", str(gold), "--split", "all"])
    assert result.exit_code == 1
    assert "error:" in result.output and f"{gold}:2" in result.output
    assert "Traceback" not in result.output


def test_python_dash_m_frameline_cli_has_every_command():
    for command in (["watch", "--help"], ["sources", "add", "--help"], ["compare", "--help"]):
        result = subprocess.run([sys.executable, "-m", "frameline.cli", *command], capture_output=True, text=True,
                                timeout=120)
        assert result.returncode == 0, (command, result.stderr[-2000:])
        assert "Usage" in result.stdout


def test_train_frames_reports_the_decision_layer_it_fitted(workspace, tmp_path):
    import json

    from frameline.analysis.frames_model import FrameClassifier, model_path

    pairs = [("Iraqi forces recaptured the town.", ["official-victory"]), ("Troops retook the bridge.", ["official-victory"]),
             ("Civilians fled the fighting.", ["humanitarian-cost"]), ("The old city lies in ruins.", ["humanitarian-cost"]),
             ("It rained today.", []), ("The market opened.", []), ("A new school was built.", [])]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"text": text, "split": "train", "frames": frames}) + "\n"
                            for text, frames in pairs * 40), encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "frames", "--gold", str(gold), "--silver", "0", "--folds", "2",
                                      "-w", str(workspace.path)])
    assert result.exit_code == 0, result.output
    assert "decision layer on 280 hand-labelled sentences, out of fold" in result.output
    model = FrameClassifier.from_bytes(model_path(workspace, "counter-narratives").read_bytes())
    assert model.decision is not None and model.decision.metrics["passages"] == 280
