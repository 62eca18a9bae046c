"""Workspaces: a folder with settings, database and the analyst-edited files."""

import pytest
import yaml

from frameline.workspace import WorkspaceError, init_workspace, load_workspace, resolve_workspace


def test_init_creates_the_layout_and_an_embedded_database(tmp_path):
    workspace = init_workspace(tmp_path / "case-mosul")
    for name in ("frameline.yaml", "frameline.db", "codebooks", "watchlists", "rejects"):
        assert (tmp_path / "case-mosul" / name).exists()
    assert workspace.settings["name"] == "case-mosul"
    assert workspace.database_url.endswith("case-mosul/frameline.db")


def test_init_is_safe_to_rerun_and_keeps_settings(tmp_path):
    first = init_workspace(tmp_path / "ws")
    first.settings["note"] = "kept"
    first.save_settings()
    assert init_workspace(tmp_path / "ws").settings["note"] == "kept"


def test_a_database_url_is_remembered_in_the_settings(tmp_path):
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "frameline.yaml").write_text(yaml.safe_dump({"database_url": "postgresql://db/case"}))
    assert load_workspace(tmp_path / "ws").database_url == "postgresql://db/case"


def test_a_folder_that_is_not_a_workspace_says_how_to_make_one(tmp_path):
    with pytest.raises(WorkspaceError, match="frameline init"):
        load_workspace(tmp_path)


def test_a_file_cannot_become_a_workspace(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(WorkspaceError, match="not a folder"):
        init_workspace(tmp_path / "file")


def test_the_environment_variable_names_the_default_workspace(tmp_path, monkeypatch):
    init_workspace(tmp_path / "ws")
    monkeypatch.setenv("FRAMELINE_WORKSPACE", str(tmp_path / "ws"))
    assert resolve_workspace(None).path == tmp_path / "ws"


def test_broken_settings_name_the_file(tmp_path):
    (tmp_path / "frameline.yaml").write_text("a: [unclosed")
    with pytest.raises(WorkspaceError, match="frameline.yaml"):
        load_workspace(tmp_path)
