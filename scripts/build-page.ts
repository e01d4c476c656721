import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

export interface PageSources {
  /** The page's script entry point: bundled with everything it imports. */
  entry: string;
  css: string;
  html: string;
}

/**
 * Builds a browser page (the dashboard, the gateway's console) the one way both are built:
 * bundled and minified for es2020, its stylesheet and HTML copied beside it. Writes
 * `index.html`, `<assets>app.js` and `<assets>app.css` into `outDir`; returns each file's bytes.
 */
/** The files a page's bundle takes in, resolved as buildPage resolves them (nothing written). */
export async function pageInputs(entry: string): Promise<string[]> {
  const out = await build({ entryPoints: [entry], bundle: true, format: 'esm', target: ['es2020'], write: false, metafile: true, logLevel: 'silent' });
  return Object.keys(out.metafile.inputs);
}

export async function buildPage(src: PageSources, outDir: string, assets = ''): Promise<Record<string, number>> {
  mkdirSync(path.join(outDir, assets), { recursive: true });
  const files = { js: `${assets}app.js`, css: `${assets}app.css`, html: 'index.html' };
  await build({
    entryPoints: [src.entry],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    outfile: path.join(outDir, files.js),
    logLevel: 'silent',
  });
  writeFileSync(path.join(outDir, files.css), readFileSync(src.css));
  writeFileSync(path.join(outDir, files.html), readFileSync(src.html));
  return Object.fromEntries([files.html, files.css, files.js].map((f) => [f, statSync(path.join(outDir, f)).size]));
}
