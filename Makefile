# The two commands: `make demo` and `make test`. Both install what they need first.
PY := .venv/bin/python

.PHONY: setup demo test lint bench-scan bench-kill clean

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
# scripts/bench-deps.sh adds LibreOffice, the forms' fonts and the `bench` extra (third generator).
bench-scan: setup
	@scripts/bench-deps.sh
	OMP_THREAD_LIMIT=1 .venv/bin/python bench/scan_bench.py

# Kill soak (issue 11): 30 kills at random moments and 30 at each crash point, against the real
# Dovecot and SMTP server; prints lost/duplicates per point (also in test-artifacts/kill-soak.txt).
bench-kill: setup
	VCB_KILL_SOAK=30 OMP_THREAD_LIMIT=1 .venv/bin/pytest -q -s tests/reliab/test_kill.py -k soak
