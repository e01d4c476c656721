// The bundle's entry (scripts/build.sh): dist/zonemeter.mjs. A clone runs bin/zonemeter.js instead.
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
