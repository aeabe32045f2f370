#!/usr/bin/env bash
# The whole test run behind `make test`: linters, type checks, then the test
# suite on SQLite and, when a PostgreSQL server is reachable, on PostgreSQL.
#
# The two database runs go side by side, one process each (each has its own
# data folder, test database, Redis database and temporary folder): the SQLite
# run prints as it goes, the PostgreSQL run's output follows when it is done.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

echo "== ruff"
$BIN/ruff check src tests bench
$BIN/ruff format --check src tests bench
echo "== mypy"
$BIN/mypy

PG_URL="${DATABASE_URL:-}"
if [[ "$PG_URL" != postgres* ]]; then
  PG_URL="$($BIN/python scripts/find_postgres.py || true)"
fi
if [[ -z "$PG_URL" && "${CI:-}" == "true" ]]; then
  echo "CI must test on PostgreSQL: no server reachable" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/allmende-test-run.XXXXXX")"
pg_pid=""
cleanup() {
  if [[ -n "$pg_pid" ]] && kill -0 "$pg_pid" 2>/dev/null; then
    kill -- "$pg_pid" 2>/dev/null || true
    wait "$pg_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n "$PG_URL" ]]; then
  echo "== tests on PostgreSQL (the tests that use a database): started, output below"
  DATABASE_URL="$PG_URL" ALLMENDE_TESTS_DATABASE_ONLY=1 \
    $BIN/pytest --basetemp="$work/postgres" "$@" \
    >"$work/postgres.log" 2>&1 &
  pg_pid=$!
fi

echo "== tests on SQLite"
sqlite_status=0
env -u DATABASE_URL $BIN/pytest --basetemp="$work/sqlite" "$@" || sqlite_status=$?

pg_status=0
if [[ -n "$pg_pid" ]]; then
  wait "$pg_pid" || pg_status=$?
  pg_pid=""
  echo "== tests on PostgreSQL (the tests that use a database)"
  cat "$work/postgres.log"
else
  echo "== PostgreSQL not reachable: skipped the PostgreSQL run"
fi

if ((sqlite_status || pg_status)); then
  echo "== failed: SQLite run exit $sqlite_status, PostgreSQL run exit $pg_status" >&2
  exit 1
fi
