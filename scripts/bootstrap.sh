#!/usr/bin/env bash
# Installs the system packages a make target needs, on Debian or Ubuntu, after checking
# which are missing (nothing is installed when nothing is missing).
#
#   scripts/bootstrap.sh demo   Python 3.11+ with venv (make demo)
#   scripts/bootstrap.sh test   + PostgreSQL and Redis servers (the tests start their own
#                               throwaway ones), Chromium, curl, gettext, procps, Node.js
#                               and npm (make test)
#
# As root it runs apt-get; otherwise it uses sudo (asking for a password only on a
# terminal). When it can do neither it stops at once and prints the exact command to run.
# It only installs packages: it never starts, stops or configures a service.
set -euo pipefail
target=${1:-test}
PYTHON=${PYTHON:-python3}
packages=()
problems=()

have() { command -v "$1" >/dev/null 2>&1; }

# Python: 3.11 or newer, with venv and ensurepip (Debian ships them apart, as pythonX.Y-venv).
if ! have "$PYTHON"; then
  problems+=("$PYTHON is not installed")
  packages+=(python3 python3-venv)
elif ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  problems+=("$("$PYTHON" -V 2>&1) is too old: KPO Match needs Python 3.11 or newer (set PYTHON=python3.11)")
elif ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=("python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv")
fi

if [ "$target" = test ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || have initdb || packages+=(postgresql)
  have psql || packages+=(postgresql-client)
  have redis-server || packages+=(redis-server)
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || packages+=(chromium fonts-liberation)
  have curl || packages+=(curl)
  have msgfmt || packages+=(gettext)
  have pgrep || packages+=(procps)
  have setpriv || packages+=(util-linux)
  have npm || packages+=(nodejs npm)  # npm ci installs Spectral, which lints the OpenAPI schema
elif [ "$target" != demo ]; then
  echo "usage: scripts/bootstrap.sh demo|test" >&2
  exit 2
fi

if [ ${#problems[@]} -gt 0 ]; then
  printf 'bootstrap: %s\n' "${problems[@]}" >&2
  exit 1
fi
[ ${#packages[@]} -eq 0 ] && exit 0

command="apt-get update && apt-get install -y --no-install-recommends ${packages[*]}"
if ! have apt-get; then
  echo "bootstrap: missing ${packages[*]} (Debian package names); this is not a Debian or Ubuntu system: install them with its package manager" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  run=()
elif have sudo && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
  run=(sudo)
else
  echo "bootstrap: missing ${packages[*]}. Run as root, then again:" >&2
  echo "  sudo sh -c '$command'" >&2
  exit 1
fi
echo "== bootstrap: installing ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
