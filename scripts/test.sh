#!/usr/bin/env bash
# Lint, then the whole suite on SQLite, then again on a throwaway PostgreSQL database.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

"$VENV/bin/ruff" check .

echo "== tests on SQLite"
"$VENV/bin/python" -m pytest -q

echo "== tests on PostgreSQL"
source scripts/postgres.sh
ensure_postgres
db="resolve_test_$$"
trap 'drop_database "$db"' EXIT
create_database "$db"
TEST_DATABASE_URL="postgresql://${PGUSER}@${PGHOST}:${PGPORT}/${db}" "$VENV/bin/python" -m pytest -q
