#!/usr/bin/env bash
# npm run demo: install what is missing, build the dashboard the ingestor serves, then run
# InfluxDB, the ingestor, a simulated building and a gateway on this machine. Data stays under ./var/.
set -euo pipefail
cd "$(dirname "$0")/.."
ZM_APT_PACKAGES="influxdb" bash scripts/deps.sh
npx tsx dashboard/build.ts >/dev/null
exec node bin/zonemeter.js demo "$@"
