# The two commands of the README. Each builds .venv from the lock when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-at lock clean

# Three workers, whole test files each (a file's module fixtures, like an end-to-end system, start once): most tests
# wait on processes, brokers and clocks, so three share two cores well. xdist queues the files with the most tests
# first, so the end-to-end files (a few long tests each) run last; started first, they ran slower (README).
PARALLEL := -n 3 --dist loadfile

$(BIN)/dutywatch: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

run: $(BIN)/dutywatch
	$(BIN)/dutywatch up

test: $(BIN)/dutywatch
	$(BIN)/ruff check services schemas tests bench testbed
	$(BIN)/ruff format --check services schemas tests bench testbed
	$(BIN)/mypy services schemas
	$(BIN)/dutywatch schemas export --check
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PARALLEL)

# The suite with the wall clock moved to AT (Asia/Shanghai), e.g. make test-at AT="2027-01-05 10:00:00": the tests
# must pass on any date. The clock runs on from AT, in every process the suite starts.
test-at: $(BIN)/dutywatch
	$(BIN)/python -m tests.moved_clock "$(AT)" -- $(BIN)/python -m pytest -q -p no:cacheprovider $(PARALLEL)

# The dev lock is what make run and make test install; the runtime lock (the image's) is the same
# versions without the test and lint tools.
lock: $(BIN)/dutywatch
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -c requirements.lock -o requirements-runtime.lock

clean:
	rm -rf $(VENV) var
