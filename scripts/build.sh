#!/usr/bin/env bash
# Bundles the CLI into one ES module, dist/zonemeter.mjs, for small boards: node runs it without
# tsx, so no TypeScript loader thread and no compiled-source cache sit in the process's memory.
# Packages stay external (installed with `npm ci --omit=dev` next to it). A clone needs no build:
# bin/zonemeter.js runs the sources.
#
# Next to the bundle go the files it reads at run time, under their repository paths (cli/assets.ts
# resolves them from the bundle's folder): the prebuilt dashboard, the gateway's console page and the example configs the demo
# and a first `gateway run` / `ingestor run` use. So the folder runs anywhere, outside the clone.
#
# Usage: scripts/build.sh [OUT]   (default dist)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

rm -rf "$out/dashboard/dist" "$out/gateway/console/dist"
npx tsx dashboard/build.ts "$out/dashboard/dist" >/dev/null
npx tsx scripts/build-console.ts "$out/gateway/console/dist" >/dev/null
for d in gateway/examples ingestor/registry/examples simulators/building/examples; do
  mkdir -p "$out/$d"
  cp -R "$d/." "$out/$d/"
done

# Split at the CLI's per-command dynamic imports (lib/): `gateway run` loads only the gateway's
# code and packages, so a board needs neither the ingestor's packages nor their memory. Node 18 is
# the target because Raspberry Pi OS bookworm's own nodejs is 18.20.
rm -rf "$out/lib" "$out/zonemeter.mjs" "$out/zonemeter.mjs.map"
# The gateway takes a clock earlier than its build for wrong (gateway/clock/build-time.ts): the
# built commit's time, which does not depend on the clock of the machine that builds.
build_time_ms=$(( ${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)} * 1000 ))
npx esbuild cli/entry.ts --bundle --splitting --platform=node --format=esm --target=node18 --packages=external \
  --define:__ZM_BUILD_TIME__="$build_time_ms" \
  --sourcemap --entry-names=zonemeter --chunk-names='lib/[name]-[hash]' --out-extension:.js=.mjs \
  --banner:js='#!/usr/bin/env node' --outdir="$out" --log-level=warning
chmod +x "$out/zonemeter.mjs"
echo "built $out/zonemeter.mjs ($(du -sk "$out/zonemeter.mjs" "$out/lib" | awk '{s+=$1} END {print s}') KB with lib/), dashboard and examples beside it ($(du -sk "$out" | cut -f1) KB in all)"

# The board's release: the bundle, the gateway's example and console page, and only the packages `gateway …`
# commands load, with serialport's prebuilds for the boards' CPUs.
node scripts/release-gateway.mjs "$out"
