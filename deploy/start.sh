#!/usr/bin/env bash
# `npm start`: installs what is missing, builds, then runs Gilt locally under the
# supervisor (deploy/local/supervisor.mjs): its own nats-server and redis-server, data
# in ./.gilt/ (GILT_DATA_DIR), the HTTP API on GILT_PORT (default 8080).
#
#   npm start                    # foreground; Ctrl-C stops everything
#   npm start -- --print-env     # also print `export GILT_URL=… GILT_TOKEN=… GILT_NATS_URL=…`
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash deploy/ensure-system-deps.sh nats-server redis-server

echo "building…"
if ! npm run --silent build; then
  echo "gilt: the build failed (see above); not starting" >&2
  exit 1
fi

exec node deploy/local/supervisor.mjs "$@"
