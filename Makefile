# The two promises: `make demo` and `make test` work on a fresh machine with Python 3.11.
# Everything they need is created here; both are safe to re-run.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_WORKSPACE ?= .demo-workspace

.PHONY: venv demo test bench lock clean-venv train-techniques

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/python -m frameline.demo --workspace $(DEMO_WORKSPACE)

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

# Persuasion-technique models from the PTC (research-only corpus beside the checkout; CPU, seeded, a few minutes).
PTC_DATA ?= ../shared/data/ptc
TECHNIQUE_MODELS := src/frameline/analysis/models/techniques
train-techniques: $(STAMP)
	nice $(BIN)/python -m frameline.ptc.train --corpus $(PTC_DATA) --out $(TECHNIQUE_MODELS)

# Re-pin requirements.lock after editing pyproject.toml (needs network and uv).
lock:
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes -o requirements.lock

clean-venv:
	rm -rf $(VENV)
