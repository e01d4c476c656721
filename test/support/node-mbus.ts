import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * node-mbus (npm, a Node binding that compiles libmbus) as a third-party M-Bus master, installed
 * once under the OS temp folder — never into the project: it is a native build, and boards do not
 * need it. npm 11 does not run its install script by itself, so it is rebuilt explicitly.
 */
export const NODE_MBUS_VERSION = '2.2.6';
const DIR = path.join(os.tmpdir(), `zm-node-mbus-${NODE_MBUS_VERSION}`);
const ADDON = path.join(DIR, 'node_modules/node-mbus/build/Release/mbus.node');

const PROBE = `const MbusMaster = require('node-mbus');
const [port, addr] = [Number(process.argv[2]), process.argv[3]];
// libmbus waits the whole timeout after each of its two opening SND_NKE to FDH (nobody is selected yet).
const m = new MbusMaster({ host: '127.0.0.1', port, timeout: 500, autoConnect: true });
m.connect();
// libmbus takes a secondary address as 16 hex characters: id, manufacturer, version, medium (F = any).
m.getData(/^[0-9A-F]{16}$/.test(addr) ? addr : Number(addr), (err, data) => {
  process.stdout.write(JSON.stringify({ err: err ? String(err.message || err) : null, data }));
  m.close(() => process.exit(0));
});
`;

/** Installs and builds node-mbus if it is not there yet; throws with npm's output if the build fails. */
export function ensureNodeMbus(): string {
  if (!existsSync(ADDON)) {
    mkdirSync(DIR, { recursive: true });
    const run = (args: string[]) => execFileSync('npm', args, { cwd: DIR, stdio: 'pipe', timeout: 300_000, encoding: 'utf8' });
    try {
      if (!existsSync(path.join(DIR, 'package.json'))) run(['init', '-y']);
      run(['install', `node-mbus@${NODE_MBUS_VERSION}`, '--no-audit', '--no-fund']);
      run(['rebuild', 'node-mbus', '--foreground-scripts']);
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`node-mbus ${NODE_MBUS_VERSION} could not be installed or built in ${DIR}:\n${(e.stderr ?? '').slice(-3000) || e.message}`);
    }
    if (!existsSync(ADDON)) throw new Error(`node-mbus built without ${ADDON}`);
  }
  writeFileSync(path.join(DIR, 'probe.cjs'), PROBE);
  return DIR;
}

export interface LibmbusRecord { id: number; frame?: number; Function: string; StorageNumber?: number; Tariff?: number; Device?: number; Unit?: string; Value: unknown }
export interface LibmbusData { SlaveInformation: Record<string, unknown>; DataRecord: LibmbusRecord[] | LibmbusRecord }

/** One getData (REQ_UD2 after a SND_NKE ping, all telegrams) through libmbus, over TCP. */
export function libmbusGetData(dir: string, port: number, address: number | string): Promise<LibmbusData> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, 'probe.cjs'), String(port), String(address)], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => { out += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { err += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', () => {
      clearTimeout(timer);
      try {
        const r = JSON.parse(out) as { err: string | null; data: LibmbusData };
        if (r.err) reject(new Error(`libmbus: ${r.err}`));
        else resolve(r.data);
      } catch {
        reject(new Error(`node-mbus probe gave no answer: ${out}${err}`));
      }
    });
  });
}
