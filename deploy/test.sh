#!/usr/bin/env bash
# `npm test`: installs what is missing (nats-server, redis-server, packer, node_modules),
# builds, then runs every test in one root jest run (ESM mode). Extra arguments go to
# jest, e.g. `npm test -- libs/testing`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash deploy/ensure-system-deps.sh nats-server redis-server packer

echo "building…"
if ! npm run --silent build; then
  echo "gilt: the build failed (see above); not running the tests" >&2
  exit 1
fi

NODE_OPTIONS="--experimental-vm-modules${NODE_OPTIONS:+ $NODE_OPTIONS}" exec npx jest --ci "$@"
