# Two commands matter: `make dev` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test install bench faults clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --config-settings editable_mode=lenient -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

dev: $(STAMP)
	$(BIN)/trygg dev

test: $(STAMP) chromium
	$(BIN)/pytest -q -p no:cacheprovider

# The web app's browser tests drive Debian's chromium (no browser download): installed
# with apt when missing and possible, else the browser tests fail saying what to install.
chromium:
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } || \
		echo "make test: the browser tests need Debian's chromium at /usr/bin/chromium; install it with 'sudo apt-get install -y chromium' (until then they fail)"

bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.web
	$(BIN)/python -m bench.simulate

# The fault suite (README "Reliability"): about six minutes; FAULTS_ARGS=--short for a quick pass.
faults: $(STAMP)
	$(BIN)/python -u -m faults $(FAULTS_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
