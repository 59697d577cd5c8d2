# Two commands on a fresh machine: `make demo` and `make test`.
# Both create .venv/ in the repo root if it is missing and install pagewalk into it.
PYTHON ?= python3
CHROMIUM ?= /usr/bin/chromium
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.pagewalk-installed

.PHONY: demo test lint bench clean browser validate-host

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "python3 -m venv failed (Debian: apt-get install python3-venv); trying virtualenv"; \
	  $(PYTHON) -m pip install --user --quiet virtualenv && $(PYTHON) -m virtualenv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src >/dev/null  # bytecode now: PYTHONDONTWRITEBYTECODE would recompile every start
	$(BIN)/python -m pagewalk.trace.fast.warm  # compile the replay kernels into numba's cache
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/pagewalk demo

# The explorer's browser tests drive Debian's chromium (never a browser Playwright downloads).
browser:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the explorer's browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      --no-install-recommends chromium >/dev/null; \
	  else \
	    echo "chromium is missing and cannot be installed here (needs root and apt-get);" \
	         "the browser tests will say how to install it"; \
	  fi; }

test: $(STAMP) browser
	$(BIN)/python -m pytest -q

# The whole host comparison (built-in scenarios, the THP reuse, the 1000 random
# programs and, as root, swap on a temporary 1 GiB swap file that is always
# removed); writes its report into tests/oracle/host_numbers.md.  `make test`
# never changes the host's configuration; this target does, temporarily.
validate-host: $(STAMP)
	$(BIN)/python tests/oracle/validate_host.py --repeat 5 --swapfile 1GiB \
	  --md tests/oracle/host_numbers.md

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
