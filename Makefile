# Voces: `make run` serves the site on SQLite with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
MAKEMESSAGES := $(PY) manage.py makemessages --all --no-location --no-obsolete \
	--ignore=.venv --ignore=var --ignore=tests --ignore=bench

.PHONY: run test bench bench-stats soak setup setup-dev gettext migrate messages compilemessages lint format clean

$(VENV)/.run-installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.run-installed gettext
setup-dev: $(VENV)/.dev-installed gettext

# compilemessages needs GNU gettext's msgfmt.
gettext:
	@command -v msgfmt >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get install -y -qq gettext >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext >/dev/null; }; \
		else echo "GNU gettext is needed: apt-get install gettext (Debian/Ubuntu) or brew install gettext (macOS)"; exit 1; fi; }

compilemessages: gettext
	$(PY) manage.py compilemessages --ignore=.venv --ignore=var -v0

run: setup compilemessages
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	$(PY) manage.py load_demo_surveys
	$(PY) manage.py load_demo_cases
	$(PY) manage.py stats_release
	VOCES_SMS_NUMBER="$${VOCES_SMS_NUMBER:-+1 555 010 0100}" VOCES_VOICE_NUMBER="$${VOCES_VOICE_NUMBER:-+1 555 010 0101}" \
		$(PY) manage.py runserver $(HOST):$(PORT)

test: setup-dev compilemessages
	$(PY) -m pytest $(PYTEST_ARGS)

# Load benchmarks on the production stack (needs PostgreSQL and Redis); see bench/README.md.
bench: setup-dev compilemessages
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/staff_queue.py $(QUEUE_BENCH_ARGS)

# Five minutes of mixed load on the same stack: no errors, nothing lost, memory of the web and
# worker processes stable (writes the "Soak" section of bench/RESULTS.md).
soak: setup-dev compilemessages
	$(PY) bench/soak.py $(SOAK_ARGS)

# The statistics pages and the daily aggregation at 10,000 and 1,000,000 complaints (long: apart).
bench-stats: setup-dev compilemessages
	$(PY) bench/stats.py $(STATS_BENCH_ARGS)

messages: setup-dev
	$(MAKEMESSAGES)

lint: setup-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var
