"""Codebooks in a workspace: packaged defaults, installed copies, a version per edit, diff and CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from frameline.cli import app
from frameline.codebook import CodebookError, active_codebooks, frame_list
from frameline.codebook.diff import diff_codebooks
from frameline.codebook.store import install_default, list_versions, load_version
from frameline.workspace import init_workspace


def test_a_new_workspace_uses_the_packaged_codebooks_and_records_their_versions(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    books = active_codebooks(workspace)
    assert [book.id for book in books] == ["jihadist-narratives", "counter-narratives"]
    assert {(record.codebook, record.version) for record in list_versions(workspace)} == {
        (book.id, book.version) for book in books}
    active_codebooks(workspace)
    assert len(list_versions(workspace)) == 2  # loading again records nothing new


def test_every_edit_is_a_new_version_that_can_be_loaded_and_diffed(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    install_default(workspace, "jihadist-narratives")
    install_default(workspace, "counter-narratives")
    first = {book.id: book for book in active_codebooks(workspace)}["jihadist-narratives"]
    path = workspace.codebooks_dir / "jihadist-narratives.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'en: ["small setback",', 'en: ["small setback", "just a scratch",'), encoding="utf-8")
    edited = {book.id: book for book in active_codebooks(workspace)}["jihadist-narratives"]
    assert edited.version != first.version
    history = list_versions(workspace, "jihadist-narratives")
    assert [record.version for record in history] == [first.version, edited.version]
    assert history[1].previous == first.version
    assert load_version(workspace, "jihadist-narratives", first.version[:6]).text == first.text
    changes = diff_codebooks(first, edited)
    assert [(change.frame, change.kind) for change in changes] == [("minimisation-of-loss", "changed")]
    assert changes[0].details == ["+ cue en:just a scratch"]


def test_the_frame_list_for_the_ui_has_ids_names_parents_and_colours():
    frames = {info.id: info for info in frame_list(None)}
    assert frames["steadfastness"].codebook == "jihadist-narratives"
    assert frames["steadfastness"].parent_name == "Loss and endurance"
    assert frames["official-victory"].colour.startswith("#")


def test_cli_validate_show_and_diff(tmp_path):
    runner = CliRunner()
    workspace = init_workspace(tmp_path / "ws")
    result = runner.invoke(app, ["codebook", "install", "-w", str(workspace.path)])
    assert result.exit_code == 0, result.output
    path = workspace.codebooks_dir / "counter-narratives.yaml"
    result = runner.invoke(app, ["codebook", "validate", str(path)])
    assert result.exit_code == 0 and "5 frames" in result.output
    path.write_text(path.read_text(encoding="utf-8").replace("jubilant,", "jubilee,"),
                    encoding="utf-8")
    result = runner.invoke(app, ["codebook", "diff", "counter-narratives@default", "counter-narratives",
                                 "-w", str(workspace.path)])
    assert result.exit_code == 0, result.output
    assert "+ cue en:jubilee" in result.output and "- cue en:jubilant" in result.output
    result = runner.invoke(app, ["codebook", "show", "--json", "-w", str(workspace.path)])
    assert '"celebration"' in result.output
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\nname: X\nframes:\n  - id: a\n    name: A\n", encoding="utf-8")
    result = runner.invoke(app, ["codebook", "validate", str(broken)])
    assert result.exit_code == 1 and "broken.yaml:4 (frames[0])" in result.output


def test_a_workspace_file_replaces_its_packaged_namesake_and_settings_narrow_the_set(tmp_path):
    workspace = init_workspace(tmp_path / "ws")
    path = install_default(workspace, "counter-narratives")
    path.write_text(path.read_text(encoding="utf-8").replace("name: Counter-narratives and mainstream frames",
                                                             "name: Our counter frames"), encoding="utf-8")
    books = {book.id: book for book in active_codebooks(workspace)}
    assert set(books) == {"jihadist-narratives", "counter-narratives"}
    assert books["counter-narratives"].name == "Our counter frames"
    workspace.settings["codebooks"] = ["counter-narratives"]
    assert [book.id for book in active_codebooks(workspace)] == ["counter-narratives"]
    workspace.settings["codebooks"] = ["nowhere"]
    with pytest.raises(CodebookError, match="nowhere"):
        active_codebooks(workspace)
