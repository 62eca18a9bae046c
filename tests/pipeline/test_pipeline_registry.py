"""Analysers are found by name through the `frameline.analysers` entry-point group, as plugins would be."""

from __future__ import annotations

import pytest
from frameline.analysis.language import LanguageAnalyser
from frameline.pipeline import BrokenComponent, UnknownComponent, analyze, available_analysers, get_analyser
from frameline.pipeline.registry import analysers
from frameline.store import open_store, sqlite_url
from toy_analysers import corpus

PLUGIN_MODULE = '''
from frameline.analysis.base import AnalysisOutput, Analyser, LabelDraft


class Shouting(Analyser):
    name = "shouting"
    layers = ("shouting",)

    def analyse(self, batch):
        return {d.id: AnalysisOutput(labels=[LabelDraft("shouting", str(d.text.isupper()))]) for d in batch}
'''


@pytest.fixture
def plugins(tmp_path, monkeypatch):
    """An installed distribution with two analysers: one that loads, one whose module is broken."""
    (tmp_path / "shouting_plugin.py").write_text(PLUGIN_MODULE)
    (tmp_path / "broken_plugin.py").write_text("import a_module_that_does_not_exist\n")
    dist_info = tmp_path / "frameline_extra-0.1.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: frameline-extra\nVersion: 0.1\n")
    (dist_info / "entry_points.txt").write_text(
        "[frameline.analysers]\nshouting = shouting_plugin:Shouting\nbroken = broken_plugin:Broken\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))


def test_the_built_in_analysers_are_registered():
    assert get_analyser("language") is LanguageAnalyser
    assert "language" in available_analysers()


def test_a_broken_plugin_is_reported_by_name_and_the_others_still_load(plugins):
    assert {"broken", "language", "shouting"} <= set(analysers.names())
    assert "shouting" in available_analysers() and "broken" not in available_analysers()
    with pytest.raises(BrokenComponent, match=r"the analyser 'broken' \(broken_plugin:Broken\) cannot be loaded"):
        get_analyser("broken")
    with pytest.raises(UnknownComponent, match="no analyser named 'nope'; available: broken, .*language, .*shouting"):
        get_analyser("nope")


def test_a_run_with_the_registered_analysers_skips_a_broken_plugin_and_says_so(plugins, tmp_path):
    store = open_store(sqlite_url(tmp_path / "x.db"))
    store.write_documents(corpus(12))
    report = analyze(store, only=["shouting"])
    assert report["shouting"].documents == 12
    assert "broken" in report.broken and "a_module_that_does_not_exist" in report.broken["broken"]
    store.close()
