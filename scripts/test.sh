#!/usr/bin/env bash
# The whole test run behind `make test`: linters, type checks, then the test
# suite on SQLite and, when a PostgreSQL server is reachable, on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff"
$BIN/ruff check src tests bench
$BIN/ruff format --check src tests bench
echo "== mypy"
$BIN/mypy

echo "== tests on SQLite"
env -u DATABASE_URL $BIN/pytest "$@"

PG_URL="${DATABASE_URL:-}"
if [[ "$PG_URL" != postgres* ]]; then
  PG_URL="$($BIN/python scripts/find_postgres.py || true)"
fi
if [[ -n "$PG_URL" ]]; then
  echo "== tests on PostgreSQL (the tests that use a database)"
  DATABASE_URL="$PG_URL" ALLMENDE_TESTS_DATABASE_ONLY=1 $BIN/pytest "$@"
else
  echo "== PostgreSQL not reachable: skipped the PostgreSQL run"
  if [[ "${CI:-}" == "true" ]]; then
    echo "CI must test on PostgreSQL" >&2
    exit 1
  fi
fi
