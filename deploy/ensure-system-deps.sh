#!/usr/bin/env bash
# Installs what Gilt needs and is missing, and nothing else: safe to run before every
# `npm start` / `npm test` (a second run finds everything and does nothing).
#
#   deploy/ensure-system-deps.sh [BINARY...]
#
# BINARY is one of nats-server, redis-server, packer (default: nats-server redis-server,
# which is all `npm start` needs; the tests add packer). Missing ones come from Debian's
# packages via apt-get (root only), then node_modules is brought in line with
# package-lock.json via `npm ci`.
set -euo pipefail

log() { echo "[ensure-system-deps] $*"; }

# Run from the repo root whatever the caller's cwd.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$#" -eq 0 ]; then
  set -- nats-server redis-server
fi

# Debian's package for each binary we know. A binary not listed is refused rather than
# guessed, so a typo does not turn into an apt-get install of something else.
package_for() {
  case "$1" in
    nats-server) echo nats-server ;;
    redis-server) echo redis-server ;;
    packer) echo packer ;;
    *) return 1 ;;
  esac
}

# Debian puts nats-server in /usr/sbin, which is not in a non-root PATH: look there too
# (libs/testing's findBinary does the same).
find_binary() {
  local name="$1" dir
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    return 0
  fi
  for dir in /usr/sbin /usr/bin /usr/local/sbin /usr/local/bin /sbin; do
    if [ -x "$dir/$name" ] && [ -f "$dir/$name" ]; then
      echo "$dir/$name"
      return 0
    fi
  done
  return 1
}

missing_packages=()
for binary in "$@"; do
  if ! package="$(package_for "$binary")"; then
    log "unknown binary '$binary': expected nats-server, redis-server or packer" >&2
    exit 2
  fi
  if found="$(find_binary "$binary")"; then
    log "$binary: found at $found"
  else
    log "$binary: missing (Debian package $package)"
    missing_packages+=("$package")
  fi
done

if [ "${#missing_packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "not root, so not installing. Install them with:" >&2
    log "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing_packages[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "running apt-get update"
  apt-get update
  log "running apt-get install -y --no-install-recommends ${missing_packages[*]}"
  apt-get install -y --no-install-recommends "${missing_packages[@]}"
  for binary in "$@"; do
    if ! find_binary "$binary" >/dev/null; then
      log "$binary: still not found after installing its package" >&2
      exit 1
    fi
  done
  log "installed ${missing_packages[*]}"
fi

# npm writes node_modules/.package-lock.json at the end of every install, so a missing
# or older one means node_modules does not match package-lock.json (fresh clone, or a
# pull that changed dependencies).
if [ ! -f package-lock.json ]; then
  log "package-lock.json missing in $(pwd): cannot run npm ci" >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "node_modules is missing or older than package-lock.json: running npm ci"
  # One retry: the registry occasionally drops a connection mid-install.
  if ! npm ci --fetch-timeout=60000; then
    log "npm ci failed, retrying once"
    npm ci --fetch-timeout=60000
  fi
else
  log "node_modules is up to date with package-lock.json"
fi
