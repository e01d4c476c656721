import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const SPEC = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|tsx|js|mjs)$/.test(name)) out.push(p);
  }
  return out;
}

interface Edge { from: string; spec: string; target: string }

function edges(folder: string): Edge[] {
  const out: Edge[] = [];
  const list = folder === '.' ? readdirSync(root).filter((n) => /\.(ts|js|mjs)$/.test(n)).map((n) => path.join(root, n)) : files(path.join(root, folder));
  for (const file of list) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(SPEC)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      const target = spec.startsWith('.') ? path.relative(root, path.resolve(path.dirname(file), spec)) : `pkg:${spec}`;
      out.push({ from: path.relative(root, file), spec, target });
    }
  }
  return out;
}

const top = (target: string) => target.split(path.sep)[0]!;
const pkg = (target: string) => target.slice(4).split('/').slice(0, target.startsWith('pkg:@') ? 2 : 1).join('/');

describe('import graph', () => {
  it('finds imports at all (the scanner works)', () => {
    expect(edges('gateway').length).toBeGreaterThan(3);
    expect(edges('core').some((e) => e.spec === 'zod')).toBe(true);
  });

  it('core imports nothing but zod and node built-ins', () => {
    const bad = edges('core').filter((e) =>
      e.target.startsWith('pkg:') ? !['zod'].includes(pkg(e.target)) && !e.spec.startsWith('node:') : top(e.target) !== 'core');
    expect(bad).toEqual([]);
  });

  it('gateway never imports ingestor, and ingestor never imports gateway', () => {
    expect(edges('gateway').filter((e) => ['ingestor', 'simulators', 'dashboard'].includes(top(e.target)))).toEqual([]);
    expect(edges('ingestor').filter((e) => ['gateway', 'simulators'].includes(top(e.target)))).toEqual([]);
  });

  it('simulators import only core and gateway/models', () => {
    const bad = edges('simulators').filter((e) => !e.target.startsWith('pkg:') &&
      !['core', 'simulators'].includes(top(e.target)) && !e.target.startsWith(path.join('gateway', 'models')));
    expect(bad).toEqual([]);
  });

  it('dashboard reaches only core and web/, and the ingestor over HTTP', () => {
    const bad = edges('dashboard').filter((e) => !e.target.startsWith('pkg:') && !['core', 'dashboard', 'web'].includes(top(e.target))
      && !(e.from === path.join('dashboard', 'build.ts') && e.target === path.join('scripts', 'build-page.ts')));
    expect(bad).toEqual([]);
  });

  it('web/ is browser code both pages share: it imports only its own files, and only the two pages import it', () => {
    expect(edges('web').filter((e) => top(e.target) !== 'web')).toEqual([]);
    const pages = [path.join('dashboard', 'src') + path.sep, path.join('gateway', 'console', 'web') + path.sep];
    const users = ['.', 'core', 'gateway', 'ingestor', 'simulators', 'dashboard', 'cli', 'scripts'].flatMap(edges).filter((e) => top(e.target) === 'web');
    expect(users.length).toBeGreaterThan(2);
    expect(users.filter((e) => !pages.some((p) => e.from.startsWith(p)))).toEqual([]);
  });

  it('ingestor/indicators are pure: core, the registry and their own files; no package, store, reports, fastify or InfluxDB client', () => {
    const all = edges(path.join('ingestor', 'indicators'));
    expect(all.length).toBeGreaterThan(10);
    const pure = [path.join('ingestor', 'indicators'), path.join('ingestor', 'registry'), path.join('ingestor', 'usage', 'buckets.ts')];
    const bad = all.filter((e) => e.target.startsWith('pkg:')
      || (top(e.target) !== 'core' && !pure.some((p) => e.target === p || e.target.startsWith(p + path.sep))));
    expect(bad).toEqual([]);
    // Said outright as well, since these are what the folder must never reach, whatever the list above allows later.
    expect(all.filter((e) => e.target.startsWith(path.join('ingestor', 'store')) || e.target.startsWith(path.join('ingestor', 'reports'))
      || ['@influxdata/influxdb-client', 'fastify'].includes(pkg(e.target)) || e.target === path.join('ingestor', 'registry', 'load.ts'))).toEqual([]);
  });

  it('cli reaches gateway, ingestor, simulators, core and dashboard/build only', () => {
    const bad = edges('cli').filter((e) => !e.target.startsWith('pkg:')
      && !['cli', 'core', 'gateway', 'ingestor', 'simulators'].includes(top(e.target)) && e.target !== path.join('dashboard', 'build.ts'));
    expect(bad).toEqual([]);
  });

  it('nothing imports cli but bin/ and the tests', () => {
    const bad = ['.', 'core', 'gateway', 'ingestor', 'simulators', 'dashboard', 'scripts'].flatMap(edges).filter((e) => top(e.target) === 'cli');
    expect(bad).toEqual([]);
    expect(edges('bin').some((e) => top(e.target) === 'cli')).toBe(true);
  });

  it('nothing the CLI runs builds a page: no esbuild, dashboard/build.ts or scripts/build-page.ts outside the build scripts', () => {
    const bad = ['cli', 'core', 'gateway', 'ingestor', 'simulators'].flatMap(edges)
      .filter((e) => (e.target.startsWith('pkg:') && pkg(e.target) === 'esbuild') || e.target === path.join('dashboard', 'build.ts')
        || e.target === path.join('scripts', 'build-page.ts'));
    expect(bad).toEqual([]);
  });
});
