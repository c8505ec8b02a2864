# Sourced by the test and benchmark scripts: makes sure a local PostgreSQL server is up and
# gives throwaway databases. Installs the server from Debian's packages when there is none.
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}

_as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_postgres() {
  if pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; then return 0; fi
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    echo "Installing PostgreSQL from Debian's packages..."
    _as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive _as_root apt-get install -y -qq postgresql >/dev/null
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h | awk '{print $2}' | grep -qx main; then
    _as_root pg_createcluster "$version" main >/dev/null
  fi
  echo "Starting PostgreSQL $version..."
  _as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -q -h "$PGHOST" -p "$PGPORT" && break
    sleep 1
  done
  pg_isready -h "$PGHOST" -p "$PGPORT"
  # A new cluster only trusts local socket peers; let the tests connect over TCP as postgres.
  if ! psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -c 'select 1' >/dev/null 2>&1; then
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    _as_root sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    _as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  fi
}

create_database() {
  psql -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -c "CREATE DATABASE \"$1\""
}

drop_database() {
  psql -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres \
    -c "DROP DATABASE IF EXISTS \"$1\" WITH (FORCE)" || true
}
