#!/usr/bin/env bash
# Lint, then the whole suite on SQLite, then again on throwaway PostgreSQL databases. Each run
# spreads the tests over two worker processes (the machine's two cores), each file's tests on
# one worker so a file's costly starting state is built once, the files in the order collected
# (long-running tests first); on PostgreSQL each worker makes, and drops, a database of its own
# named after this one.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
WORKERS=${WORKERS:-2}
# The tests' temporary files, their SQLite databases among them, go to memory where the machine
# has it mounted at /dev/shm, so a commit does not wait for the disk; nothing else changes.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi

# Compiled modules are kept (in the __pycache__ folders git ignores) even where the machine says
# not to write them: otherwise every worker and every bot process a test starts compiles the
# whole bot and the tests afresh, and pytest rewrites every test file's asserts again.
unset PYTHONDONTWRITEBYTECODE

"$VENV/bin/ruff" check .

echo "== tests on SQLite"
"$VENV/bin/python" -m pytest -q -n "$WORKERS" --dist loadfile --no-loadscope-reorder

echo "== tests on PostgreSQL"
source scripts/postgres.sh
ensure_postgres
db="resolve_test_$$"
# Dropped once the run is over, without waiting: PostgreSQL makes each DROP DATABASE wait for a
# checkpoint of the whole server, tens of seconds on a busy machine. (Each worker drops its own
# database the same way; these drops find it gone unless a worker was killed.)
cleanup() {
  {
    drop_database "$db"
    for ((n = 0; n < WORKERS; n++)); do drop_database "${db}_gw$n"; done
  } >/dev/null 2>&1 &
}
trap cleanup EXIT
create_database "$db"
TEST_DATABASE_URL="postgresql://${PGUSER}@${PGHOST}:${PGPORT}/${db}" \
  "$VENV/bin/python" -m pytest -q -n "$WORKERS" --dist loadfile --no-loadscope-reorder
