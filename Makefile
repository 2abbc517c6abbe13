# Two commands on a fresh machine: `make sandbox` (try the bot) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LOCALES := nl en ar fa ti tr uk so

.PHONY: install run migrate sandbox test lint extract update-catalogues compile-catalogues \
	translations-export translations-import bench bench-full clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The bot, plus two parts that live beside it in packages/: the Bot API emulator (its own
# distribution) and the development sandbox with the in-process runner tests use.
$(VENV)/.installed: $(BIN)/python pyproject.toml packages/botapi-emulator/pyproject.toml packages/sandbox/pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]" -e "packages/botapi-emulator[test]" -e packages/sandbox
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python -m bot run

migrate: install
	$(BIN)/python -m bot migrate

# `make sandbox PORT=8090` serves the page on another port (the default is 8080).
sandbox: install
	$(BIN)/python -m bot sandbox $(if $(PORT),--port $(PORT))

# Two workers (pytest-xdist): most tests wait on the emulator and the databases, so two
# processes finish the suite in well under half the time on two cores. `make test
# TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist worksteal) $(PYTEST_ARGS)

# Style, and the architecture's import contracts (.importlinter): the bot never imports the
# emulator or the sandbox, handlers never import sqlalchemy, services never import aiogram,
# no import cycles in the bot.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Benchmarks (not tests; bench/README.md): `make bench` runs the short versions of the hot-path
# and broadcast benchmarks and the FAQ's quality figures; `make bench-full` runs every one in full.
bench: install
	$(BIN)/python bench/handlers.py --quick
	$(BIN)/python bench/broadcast.py --quick
	$(BIN)/python bench/faq.py

bench-full: install
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

# --- translations (Babel) ---
extract: install
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -c Translators: \
		-k _ -k __ -k N_ -k gettext -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 \
		-k N_plural:1,2 -k pgettext:1c,2 \
		--copyright-holder="Expert-pool bot contributors" --project=expertpool-bot \
		-o locales/messages.pot .

update-catalogues: extract
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete

# The bot compiles catalogues in memory at start; this is only for other gettext tools.
compile-catalogues: install
	$(BIN)/pybabel compile -d locales -D messages --statistics

# A spreadsheet-friendly CSV per language for translators without gettext tools
# (translations/<lang>.csv, not committed), and back into the catalogues: changed cells only,
# rows with broken placeholders or tags are refused. LANGS=ar limits it to some languages.
translations-export: install
	$(BIN)/python -m tools.translations export $(LANGS)

translations-import: install
	$(BIN)/python -m tools.translations import $(LANGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
