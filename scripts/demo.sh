#!/usr/bin/env bash
# npm run demo: install what is missing, then run InfluxDB, the ingestor, a simulated building
# and a gateway on this machine. Data stays under ./var/.
set -euo pipefail
cd "$(dirname "$0")/.."
ZM_APT_PACKAGES="influxdb" bash scripts/deps.sh
exec node bin/zonemeter.js demo "$@"
