#!/usr/bin/env bash
# Bundles the CLI into one ES module, dist/zonemeter.mjs, for small boards: node runs it without
# tsx, so no TypeScript loader thread and no compiled-source cache sit in the process's memory.
# Packages stay external (installed with `npm ci --omit=dev` next to it). A clone needs no build:
# bin/zonemeter.js runs the sources.
#
# Next to the bundle go the files it reads at run time, under their repository paths (cli/assets.ts
# resolves them from the bundle's folder): the prebuilt dashboard and the example configs the demo
# and a first `gateway run` / `ingestor run` use. So the folder runs anywhere, outside the clone.
#
# Usage: scripts/build.sh [OUT]   (default dist)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

rm -rf "$out/dashboard/dist"
npx tsx dashboard/build.ts "$out/dashboard/dist" >/dev/null
for d in gateway/examples ingestor/registry/examples simulators/building/examples; do
  mkdir -p "$out/$d"
  cp -R "$d/." "$out/$d/"
done

npx esbuild --bundle --platform=node --format=esm --target=node20 --packages=external \
  --sourcemap --sourcefile=zonemeter-entry.ts --loader=ts \
  --banner:js='#!/usr/bin/env node' \
  --outfile="$out/zonemeter.mjs" --log-level=warning <<'ENTRY'
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
ENTRY
chmod +x "$out/zonemeter.mjs"
echo "built $out/zonemeter.mjs ($(du -k "$out/zonemeter.mjs" | cut -f1) KB), dashboard and examples beside it ($(du -sk "$out" | cut -f1) KB in all)"
