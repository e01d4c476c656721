#!/usr/bin/env bash
# The whole check, as CI runs it: dependencies, type check, lint, then every test against real
# servers (influxd, aedes, mosquitto, socat ptys, pymodbus, Chromium), all on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
echo "== tsc --noEmit"
npx tsc --noEmit
echo "== eslint"
npx eslint .
echo "== vitest"
mkdir -p test-artifacts
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=test-artifacts/vitest.json "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync("test-artifacts/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit $status
