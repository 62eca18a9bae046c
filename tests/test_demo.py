"""`make demo` never fails: with or without the shared data, and when run twice."""

from frameline.demo import build


def test_demo_builds_from_the_fixture_alone_when_no_data_is_beside_the_checkout(tmp_path, capsys):
    build(tmp_path / "demo", tmp_path / "no-data-here")
    printed = capsys.readouterr().out
    assert "2 new" in printed and "not found" in printed
    assert "search: الدوله الاسلاميه · 1 hits" in printed


def test_a_second_run_reuses_the_workspace(tmp_path, capsys):
    build(tmp_path / "demo", tmp_path / "no-data-here")
    capsys.readouterr()
    build(tmp_path / "demo", tmp_path / "no-data-here")
    assert "Reusing the demo workspace" in capsys.readouterr().out


def test_demo_imports_the_real_telegram_sample_when_present(tmp_path, shared_data, capsys):
    data = tmp_path / "data"
    (data / "telegram").mkdir(parents=True)
    (data / "telegram" / "tg2md-channel-2020").symlink_to(shared_data / "telegram" / "tg2md-channel-2020")
    build(tmp_path / "demo", data)
    assert "tg2md-channel-2020: 18 new" in capsys.readouterr().out
