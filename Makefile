# The two commands: `make demo` and `make test`. Both install what they need first.
PY := .venv/bin/python

.PHONY: setup demo test lint bench-scan clean

setup:
	@scripts/setup.sh

demo: setup
	.venv/bin/vipnet-cert-bot demo

test: setup
	.venv/bin/ruff check bot tests fixtures
	OMP_THREAD_LIMIT=1 .venv/bin/pytest -q

lint: setup
	.venv/bin/ruff check bot tests fixtures

clean:
	rm -rf .venv build *.egg-info .pytest_cache

# Scan-check benchmark (issue 3): accuracy and speed on generated scans. Not part of `make test`.
bench-scan: setup
	.venv/bin/pip install -q -e '.[bench]'
	OMP_THREAD_LIMIT=1 .venv/bin/python bench/scan_bench.py
