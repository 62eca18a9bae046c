"""Tiny technique models trained by our own code on a few PTC articles, once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from frameline.ptc.corpus import Split, load_split
from frameline.ptc.train import train_models

PTC = Path(__file__).resolve().parents[3] / "shared" / "data" / "ptc"


@pytest.fixture(scope="session")
def ptc_corpus() -> Path:
    if not (PTC / "train-articles").is_dir():
        pytest.skip(f"the PTC corpus is not at {PTC} (research-only data, kept beside the checkout)")
    return PTC


@pytest.fixture(scope="session")
def ptc_slices(ptc_corpus: Path) -> tuple[Split, Split]:
    """80 train articles to fit on, 20 dev articles to choose settings and score on."""
    return load_split(ptc_corpus, "train").subset(80), load_split(ptc_corpus, "dev").subset(20)


@pytest.fixture(scope="session")
def tiny_models(ptc_slices: tuple[Split, Split], tmp_path_factory: pytest.TempPathFactory) -> Path:
    train, dev = ptc_slices
    folder = tmp_path_factory.mktemp("technique-models")
    train_models(train, dev, folder, si_iterations=10, c_grid=(1.0,))
    return folder
