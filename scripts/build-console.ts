import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from './build-page.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(ROOT, 'gateway/console/web');

/**
 * Builds the gateway's console page into `outDir` (index.html, app.js, app.css), ahead of use:
 * the gateway reads these files from disk on request and runs no bundler, so a board never loads
 * esbuild. Here, outside gateway/, because nothing the gateway runs may import esbuild.
 */
export async function buildConsole(outDir = path.join(ROOT, 'gateway/console/dist')): Promise<{ dir: string; sizes: Record<string, number> }> {
  const sizes = await buildPage({ entry: path.join(WEB, 'main.ts'), css: path.join(WEB, 'style.css'), html: path.join(WEB, 'index.html') }, outDir);
  return { dir: outDir, sizes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildConsole(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`built ${out.dir}`);
  for (const [f, n] of Object.entries(out.sizes)) console.log(`${f.padEnd(12)} ${(n / 1024).toFixed(1)} KiB`);
}
