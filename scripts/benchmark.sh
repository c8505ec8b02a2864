#!/usr/bin/env bash
# Times the deadline sweep on SQLite and on a throwaway PostgreSQL database, then drops it.
# Arguments go to scripts/benchmark.py, e.g. scripts/benchmark.sh --disputes 10000 --lapsing 1000
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

source scripts/postgres.sh
ensure_postgres
db="resolve_benchmark_$$"
trap 'drop_database "$db"' EXIT
create_database "$db"
"$VENV/bin/python" scripts/benchmark.py --database both \
  --postgres-url "postgresql://${PGUSER}@${PGHOST}:${PGPORT}/${db}" "$@"
