// The peer for the polling bench: Node-RED with node-red-contrib-modbus, installed from the npm
// registry into a cache folder under the OS temp dir (not a project dependency), started with a
// fresh userDir holding a flow of modbus-read nodes, loopback only, without the editor.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../cli/ports.ts';
import type { ReadRequest } from '../../gateway/poll/planner.ts';
import { alive, sleep, startChild, tempDir, type Child } from './support.ts';

export const NODE_RED = '4.1.8';
export const CONTRIB_MODBUS = '5.23.3';
const CACHE = path.join(os.tmpdir(), `zonemeter-bench-node-red-${NODE_RED}-${CONTRIB_MODBUS}`);

function installedVersion(pkg: string): string | null {
  const file = path.join(CACHE, 'node_modules', pkg, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : null;
}

async function ensureInstalled(): Promise<void> {
  if (installedVersion('node-red') === NODE_RED && installedVersion('node-red-contrib-modbus') === CONTRIB_MODBUS) return;
  console.error(`installing node-red@${NODE_RED} node-red-contrib-modbus@${CONTRIB_MODBUS} into ${CACHE} …`);
  await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--prefix', CACHE, `node-red@${NODE_RED}`, `node-red-contrib-modbus@${CONTRIB_MODBUS}`], {
    timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024,
  });
}

/** One modbus-client per meter (the contrib node holds one TCP connection per client) and one modbus-read per planned request. */
export function flows(targets: { port: number; unitId: number }[], plan: readonly ReadRequest[]): unknown[] {
  const nodes: unknown[] = [{ id: 'bench-tab', type: 'tab', label: 'bench', disabled: false }];
  targets.forEach((t, i) => {
    const client = `client-${i}`;
    nodes.push({
      id: client, type: 'modbus-client', name: `meter-${i}`, clienttype: 'tcp', bufferCommands: true,
      stateLogEnabled: false, queueLogEnabled: false, failureLogEnabled: false,
      tcpHost: '127.0.0.1', tcpPort: String(t.port), tcpType: 'DEFAULT',
      serialPort: '/dev/null', serialType: 'RTU-BUFFERD', serialBaudrate: '9600', serialDatabits: '8', serialStopbits: '1',
      serialParity: 'none', serialConnectionDelay: '100', serialAsciiResponseStartDelimiter: '0x3A',
      unit_id: String(t.unitId), commandDelay: '1', clientTimeout: '1000', reconnectOnTimeout: true, reconnectTimeout: '2000',
      parallelUnitIdsAllowed: true,
    });
    plan.forEach((r, j) => nodes.push({
      id: `read-${i}-${j}`, type: 'modbus-read', z: 'bench-tab', name: '', topic: '',
      showStatusActivities: false, logIOActivities: false, showErrors: false, showWarnings: false,
      unitid: String(t.unitId), dataType: r.fc === 4 ? 'InputRegister' : 'HoldingRegister',
      adr: String(r.address), quantity: String(r.count), rate: '1', rateUnit: 's',
      delayOnStart: false, startDelayTime: '', server: client, useIOFile: false, ioFile: '', useIOForPayload: false,
      emptyMsgOnFail: false, x: 100, y: 40, wires: [[], []],
    }));
  });
  return nodes;
}

export interface NodeRedRun {
  readonly child: Child;
  readonly version: string;
  readonly readNodes: number;
  close(): Promise<void>;
}

export async function startNodeRed(targets: { port: number; unitId: number }[], plan: readonly ReadRequest[]): Promise<NodeRedRun> {
  await ensureInstalled();
  const tmp = tempDir('zm-bench-node-red-');
  let child: Child | undefined;
  try {
    // Node-RED finds contributed nodes in userDir/node_modules.
    symlinkSync(path.join(CACHE, 'node_modules'), path.join(tmp.dir, 'node_modules'), 'dir');
    const port = await freePort();
    writeFileSync(path.join(tmp.dir, 'settings.js'), `module.exports = {
  uiHost: '127.0.0.1', uiPort: ${port}, httpAdminRoot: false, httpNodeRoot: false, disableEditor: true,
  flowFile: 'flows.json', credentialSecret: false, logging: { console: { level: 'info', metrics: false, audit: false } },
};\n`);
    const nodes = flows(targets, plan);
    writeFileSync(path.join(tmp.dir, 'flows.json'), JSON.stringify(nodes));
    let started = false;
    child = startChild(process.execPath, [path.join(CACHE, 'node_modules/node-red/red.js'), '--userDir', tmp.dir, '--settings', path.join(tmp.dir, 'settings.js')], {
      cwd: tmp.dir, onLine: (line) => { if (line.includes('Started flows')) started = true; },
    });
    const deadline = Date.now() + 120_000;
    while (!started) {
      if (!alive(child)) throw new Error(`node-red exited:\n${child.tail()}`);
      if (Date.now() > deadline) throw new Error(`node-red did not start flows within 120 s:\n${child.tail()}`);
      await sleep(200);
    }
    if (/Waiting for missing types/.test(child.tail())) throw new Error(`node-red lacks node types:\n${child.tail()}`);
    const c = child;
    return {
      child: c, version: `node-red ${NODE_RED} + node-red-contrib-modbus ${CONTRIB_MODBUS}`,
      readNodes: nodes.filter((n) => (n as { type: string }).type === 'modbus-read').length,
      async close() {
        await c.stop();
        tmp.remove();
      },
    };
  } catch (err) {
    await child?.stop();
    tmp.remove();
    throw err;
  }
}
