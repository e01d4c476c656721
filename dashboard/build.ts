import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage } from '../scripts/build-page.ts';

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
  const sizes = await buildPage({ entry: path.join(root, 'src/main.ts'), css: path.join(root, 'src/style.css'), html: path.join(root, 'index.html') }, outDir, 'assets/');
  return { dir: outDir, sizes };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(root, 'build.ts')) {
  const out = await buildDashboard(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`built ${out.dir}`);
  for (const [f, n] of Object.entries(out.sizes)) console.log(`${f.padEnd(20)} ${(n / 1024).toFixed(1)} KiB`);
}
