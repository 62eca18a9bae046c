# The two promises: `make demo` and `make test` work on a fresh machine with Python 3.11.
# Everything they need is created here; both are safe to re-run.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_WORKSPACE ?= .demo-workspace

.PHONY: venv demo demo-corpus test bench lock clean-venv chromium serve train-techniques train-frames

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Builds (or reuses) the demo workspace from the bundled corpus, then serves the UI;
# DEMO_ARGS=--no-serve stops after the analysis.
demo: $(STAMP)
	$(BIN)/python -m frameline.demo --workspace $(DEMO_WORKSPACE) $(DEMO_ARGS)

# Rebuilds src/frameline/demo_corpus/ from ../shared/data (see DATA_LICENSES.md).
demo-corpus: $(STAMP)
	$(BIN)/python scripts/build_demo_corpus.py

# The web UI over the demo workspace, single-user local mode (this computer only). Ctrl-C stops it.
serve: $(STAMP)
	$(BIN)/frameline serve --local --workspace $(DEMO_WORKSPACE)

# Debian's Chromium for the browser tests (tests/web/test_browser.py skips without it outside CI).
chromium:
	@test -x /usr/bin/chromium || { s=""; [ "$$(id -u)" -eq 0 ] || s=sudo; \
	  $$s env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$s env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-core; }

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# Persuasion-technique models from the PTC (research-only corpus beside the checkout; CPU, seeded, a few minutes).
PTC_DATA ?= ../shared/data/ptc
TECHNIQUE_MODELS := src/frameline/analysis/models/techniques
train-techniques: $(STAMP)
	nice $(BIN)/python -m frameline.ptc.train --corpus $(PTC_DATA) --out $(TECHNIQUE_MODELS)

# Shipped frame models, from the gold file's train split (threshold on dev; the PTC sentences are read from
# ../shared/data). Re-run after editing a default codebook or the gold file: a test says when it is due.
FRAMES_GOLD ?= tests/analysis/data/frames-gold.jsonl
FRAMES_DATA ?= ../shared/data
train-frames: $(STAMP)
	nice $(BIN)/python -m frameline.analysis.frames_default --gold $(FRAMES_GOLD) --data-dir $(FRAMES_DATA) \
	  --out src/frameline/analysis/models/frames

# Re-pin requirements.lock after editing pyproject.toml (needs network and uv).
lock:
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes -o requirements.lock

clean-venv:
	rm -rf $(VENV)
