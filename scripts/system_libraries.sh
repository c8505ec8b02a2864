#!/usr/bin/env bash
# Run by `make setup`: the operating system's libraries WeasyPrint draws the PDF record with,
# installed from Debian's packages when one is missing. Pango lays the text out; HarfBuzz's
# subsetter keeps only the glyphs a record uses (without it WeasyPrint falls back to fontTools,
# about twice as slow, and warns that future versions will refuse). Checking costs milliseconds.
set -euo pipefail

_as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
known=$("$ldconfig" -p)

missing=()
for wanted in \
  libpango-1.0.so.0=libpango-1.0-0 \
  libpangoft2-1.0.so.0=libpangoft2-1.0-0 \
  libharfbuzz-subset.so.0=libharfbuzz-subset0; do
  grep -qF "${wanted%%=*} " <<<"$known" || missing+=("${wanted#*=}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "The PDF record needs ${missing[*]} (or your system's equivalents): install them." >&2
  exit 1
fi
echo "Installing ${missing[*]} from Debian's packages..."
_as_root apt-get update -qq
_as_root env DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes apt-get install -y -qq "${missing[@]}" >/dev/null
