# firestats: `make demo` renders the sample reports, `make test` runs the tests.
# Both start from nothing but Python 3.11+ and make: they create .venv and install into it.
# Without make (Windows, conda): `python -m pip install -e .` then `python -m firestats demo`
# does what `make demo` does; see README.md.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.firestats-installed
TEST_OK := $(VENV)/.firestats-test
BROWSER_OK := $(VENV)/.firestats-browser
OFFICE_OK := $(VENV)/.firestats-office
RAW := data/raw
PROCESSED := data/processed
REPORTS := reports

.PHONY: demo test lab setup sample prepare clean messages bench

demo: prepare ## render every sample station and year into reports/YEAR/STATION.html
	$(BIN)/firestats batch --data $(PROCESSED) --out $(REPORTS)
	@echo "reports: $(CURDIR)/$(REPORTS)/index.html"
	@echo "the command line: $(BIN)/firestats --help  (or: source $(BIN)/activate, then firestats --help)"

test: setup $(TEST_OK) $(BROWSER_OK) $(OFFICE_OK) ## run the test suite
	$(BIN)/python -m pytest -n 2 --hypothesis-profile=full

# The README's performance figures, one benchmark after another in one run (about 15 minutes), each against its
# floor measured in the same run and with the machine's load beside it: a JSON line each.
bench: setup
	$(BIN)/python benchmarks/bench_prepare.py --messy --repeat 2
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/bench_overview.py
	$(BIN)/python benchmarks/bench_batch.py --load 300

lab: setup ## open the notebooks in JupyterLab with the firestats kernel
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

setup: $(INSTALLED)

# The nbconvert template is installed as a copy: a change to it installs again.
$(INSTALLED): pyproject.toml $(wildcard firestats/publish/templates/firestats/*)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "firestats needs Python 3.11 or newer ($(PYTHON) is older); run: make PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		echo "python's venv module is missing; installing Debian's python3-venv"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && \
		$(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/firestats install-kernel >/dev/null
	@touch $@

# What only the tests need (pytest, an independent Excel reader, the browser driver): not for `make demo`.
$(TEST_OK): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

# The browser tests drive Debian's Chromium; where it cannot be installed they skip, saying so.
$(BROWSER_OK): $(INSTALLED)
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
		else echo "no Chromium and no way to install it here: the browser tests will skip"; fi; }
	@touch $@

# The Word drafts are opened by LibreOffice in the tests (Debian's, headless); elsewhere those tests skip.
$(OFFICE_OK): $(INSTALLED)
	@command -v soffice >/dev/null || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui fonts-noto-cjk; \
		else echo "no LibreOffice and no way to install it here: the Word tests that need it will skip"; fi; }
	@touch $@

sample: setup ## generate the sample raw exports if data/raw has none
	@if [ -z "$$(find $(RAW) -type f ! -name '.gitkeep' 2>/dev/null)" ]; then \
		$(BIN)/firestats sample --out $(RAW); fi

prepare: sample
	$(BIN)/firestats prepare $(RAW) --out $(PROCESSED)

messages: $(TEST_OK) ## compile the console's Chinese after editing firestats/locale/zh_CN/LC_MESSAGES/firestats.po
	$(BIN)/pybabel compile --use-fuzzy -d firestats/locale -D firestats

clean: ## remove generated data and reports (raw data is kept)
	rm -rf $(PROCESSED)/*.parquet $(PROCESSED)/*.json $(REPORTS)/*
