#!/usr/bin/env bash
# Run by `make setup`: the operating system's libraries WeasyPrint draws the PDF record with,
# installed from Debian's packages when one is missing. Pango lays the text out (required);
# HarfBuzz's subsetter keeps only the glyphs a record uses (without it WeasyPrint falls back to
# fontTools, about twice as slow, and warns that future versions will refuse). Checking costs
# milliseconds.
set -euo pipefail

ldconfig=$(command -v ldconfig || echo /sbin/ldconfig)
known=$("$ldconfig" -p)

missing=() required=()
for wanted in \
  libpango-1.0.so.0=libpango-1.0-0=required \
  libpangoft2-1.0.so.0=libpangoft2-1.0-0=required \
  libharfbuzz-subset.so.0=libharfbuzz-subset0=optional; do
  IFS== read -r library package need <<<"$wanted"
  if ! grep -qF "$library " <<<"$known"; then
    missing+=("$package")
    [ "$need" = required ] && required+=("$package")
  fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then as_root=(); else as_root=(sudo); fi
install_missing() {
  command -v apt-get >/dev/null 2>&1 || return 1
  [ "${#as_root[@]}" -eq 0 ] || command -v sudo >/dev/null 2>&1 || return 1
  echo "Installing ${missing[*]} from Debian's packages..."
  "${as_root[@]}" apt-get update -qq &&
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive DEBCONF_NOWARNINGS=yes \
      apt-get install -y -qq "${missing[@]}" >/dev/null
}
install_missing && exit 0
if [ "${#required[@]}" -gt 0 ]; then
  echo "The PDF record needs ${required[*]} (or your system's equivalents): install them." >&2
  exit 1
fi
echo "Could not install ${missing[*]}: PDF records are drawn, about twice as slowly." >&2
