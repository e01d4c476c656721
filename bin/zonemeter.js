#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx), so a clone works without a build step. Boards run the
// bundle instead (npm run build → dist/zonemeter.mjs, docs/deploy.md): no loader thread, less memory.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
