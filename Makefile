# Two commands matter: `make dev` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test install bench faults clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --config-settings editable_mode=lenient -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

dev: $(STAMP)
	$(BIN)/trygg dev

test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python -m bench.run

# The fault suite (README "Reliability"): about six minutes; FAULTS_ARGS=--short for a quick pass.
faults: $(STAMP)
	$(BIN)/python -u -m faults $(FAULTS_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
