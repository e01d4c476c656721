import { mkdirSync, readFileSync, writeFileSync, statSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(fileURLToPath(import.meta.url));

export interface DashboardBuild {
  dir: string;
  /** Bytes of each built asset, for the size report. */
  sizes: Record<string, number>;
}

/**
 * Bundles and minifies the dashboard into `outDir` (index.html + assets/). Takes well under a second.
 * Run ahead of use (`npm run build:dashboard`, `npm run build`, the demo and test scripts): the
 * ingestor only serves what it finds, so a running server never depends on esbuild or the sources.
 */
export async function buildDashboard(outDir = path.join(root, 'dist')): Promise<DashboardBuild> {
  mkdirSync(path.join(outDir, 'assets'), { recursive: true });
  await build({
    entryPoints: [path.join(root, 'src/main.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    outfile: path.join(outDir, 'assets/app.js'),
    logLevel: 'silent',
  });
  writeFileSync(path.join(outDir, 'assets/app.css'), readFileSync(path.join(root, 'src/style.css')));
  writeFileSync(path.join(outDir, 'index.html'), readFileSync(path.join(root, 'index.html')));
  const sizes: Record<string, number> = {};
  for (const f of ['index.html', ...readdirSync(path.join(outDir, 'assets')).map((a) => `assets/${a}`)]) {
    sizes[f] = statSync(path.join(outDir, f)).size;
  }
  return { dir: outDir, sizes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(root, 'build.ts')) {
  const out = await buildDashboard(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`built ${out.dir}`);
  for (const [f, n] of Object.entries(out.sizes)) console.log(`${f.padEnd(20)} ${(n / 1024).toFixed(1)} KiB`);
}
