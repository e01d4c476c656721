// Writes OUT/zonemeter-gateway-<version>.tar.gz from a bundle folder built by scripts/build.sh:
// the bundle's entry, the chunks the `gateway …` commands reach, the gateway's example config and
// console page, and only the npm packages those chunks import, with their dependencies, as npm
// installed them here.
// serialport's prebuilt bindings are kept for the CPUs boards have (linux-arm64, linux-arm,
// linux-x64) and nothing compiled on this machine is shipped, so the tarball unpacks and runs on
// a Pi with Debian's nodejs and no compiler or network (docs/deploy.md).
//
// Usage: node scripts/release-gateway.mjs OUT
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? 'dist');
const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const name = `zonemeter-gateway-${version}`;
const PREBUILDS = new Set(['linux-arm64', 'linux-arm', 'linux-x64']);
const BUILTIN = new Set(builtinModules);

const IMPORT = /(?:^|[;\n}])\s*(?:import|export)\s*(?:[^'";]*?\sfrom\s*)?["']([^"']+)["']/g;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

/**
 * The chunks `gateway …` needs: everything the entry imports statically, the command chunks it
 * loads for gateway commands (esbuild names them after their source, gateway-run-HASH.mjs), and
 * everything those import, statically or not.
 */
function reachableChunks() {
  const files = new Set();
  const packages = new Set();
  const visit = (file, followAllDynamic) => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(IMPORT)].map((m) => [m[1], false]);
    for (const m of text.matchAll(DYNAMIC)) specs.push([m[1], true]);
    for (const [spec, dynamic] of specs) {
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        if (!dynamic || followAllDynamic || path.basename(target).startsWith('gateway-')) visit(target, followAllDynamic || dynamic);
      } else if (!spec.startsWith('node:') && !BUILTIN.has(spec)) {
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  };
  visit(path.join(out, 'zonemeter.mjs'), false);
  return { files, packages };
}

/** node_modules folders a package needs, resolved as Node resolves them (nested first, then up). */
function closure(roots) {
  const dirs = new Set();
  const find = (pkg, fromDir) => {
    for (let d = fromDir; ; d = path.dirname(d)) {
      const candidate = path.join(d, 'node_modules', pkg);
      if (existsSync(path.join(candidate, 'package.json'))) return candidate;
      if (d === REPO || d === path.dirname(d)) return null;
    }
  };
  const add = (dir) => {
    if (dirs.has(dir)) return;
    dirs.add(dir);
    const pj = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const [dep, optional] of [...Object.keys(pj.dependencies ?? {}).map((d) => [d, false]), ...Object.keys(pj.optionalDependencies ?? {}).map((d) => [d, true])]) {
      const found = find(dep, dir);
      if (found) add(found);
      else if (!optional) throw new Error(`${dep}, needed by ${path.relative(REPO, dir)}, is not installed: run npm ci`);
    }
  };
  for (const pkg of roots) {
    const found = find(pkg, REPO);
    if (!found) throw new Error(`${pkg} is imported by the gateway but not installed: run npm ci`);
    add(found);
  }
  return [...dirs].sort();
}

const { files, packages } = reachableChunks();
const stage = path.join(out, '.release');
const root = path.join(stage, name);
rmSync(stage, { recursive: true, force: true });
mkdirSync(root, { recursive: true });
for (const f of files) cpSync(f, path.join(root, path.relative(out, f)));
cpSync(path.join(out, 'gateway/examples'), path.join(root, 'gateway/examples'), { recursive: true });
// The console page, prebuilt: the gateway reads it from disk and builds nothing on the board.
if (!existsSync(path.join(out, 'gateway/console/dist/index.html'))) throw new Error(`${out}/gateway/console/dist is missing: build with scripts/build.sh`);
cpSync(path.join(out, 'gateway/console/dist'), path.join(root, 'gateway/console/dist'), { recursive: true });
for (const dir of closure(packages)) {
  const rel = path.relative(REPO, dir);
  cpSync(dir, path.join(root, rel), {
    recursive: true,
    // A package's own nested node_modules are copied as packages of their own, when needed.
    filter: (src) => !path.relative(dir, src).split(path.sep).includes('node_modules'),
  });
}
// Bindings: the prebuilds boards use, never a binary compiled for this machine (node-gyp-build
// would load build/ first, whatever the CPU).
const prune = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const p = path.join(dir, e.name);
    if (e.name === 'prebuilds' && existsSync(path.join(dir, 'package.json'))) {
      for (const cpu of readdirSync(p)) if (!PREBUILDS.has(cpu)) rmSync(path.join(p, cpu), { recursive: true });
      rmSync(path.join(dir, 'build'), { recursive: true, force: true });
    } else prune(p);
  }
};
prune(path.join(root, 'node_modules'));
writeFileSync(path.join(root, 'package.json'), JSON.stringify({
  name: 'zonemeter-gateway', version, private: true, type: 'module', license: 'Apache-2.0',
  description: 'zonemeter gateway for boards: node zonemeter.mjs gateway run -c gateway.yaml (docs/deploy.md)',
  engines: { node: '>=18.20' }, bin: { zonemeter: 'zonemeter.mjs' },
}, null, 2) + '\n');

// Reproducible: sorted names, no owners, one timestamp (the commit's, when there is one).
let epoch = '0';
try {
  epoch = execFileSync('git', ['log', '-1', '--format=%ct'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || '0';
} catch { /* not a clone: keep 0 */ }
const tarball = path.join(out, `${name}.tar.gz`);
const tar = execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${epoch}`, '-cf', '-', '-C', stage, name], { maxBuffer: 1 << 30 });
writeFileSync(tarball, execFileSync('gzip', ['-9n'], { input: tar, maxBuffer: 1 << 30 }));
rmSync(stage, { recursive: true, force: true });
console.log(`built ${tarball} (${Math.round(statSync(tarball).size / 1024)} KB; ${files.size} bundle files, packages: ${[...packages].sort().join(' ')})`);
