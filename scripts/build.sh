#!/usr/bin/env bash
# Bundles the CLI into one ES module, dist/zonemeter.mjs, for small boards: node runs it without
# tsx, so no TypeScript loader thread and no compiled-source cache sit in the process's memory.
# Packages stay external (installed with `npm ci --omit=dev` next to it). A clone needs no build:
# bin/zonemeter.js runs the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p dist
npx esbuild --bundle --platform=node --format=esm --target=node20 --packages=external \
  --sourcemap --sourcefile=zonemeter-entry.ts --loader=ts \
  --banner:js='#!/usr/bin/env node' \
  --outfile=dist/zonemeter.mjs --log-level=warning <<'ENTRY'
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
ENTRY
chmod +x dist/zonemeter.mjs
echo "built dist/zonemeter.mjs ($(du -k dist/zonemeter.mjs | cut -f1) KB)"
