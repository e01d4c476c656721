import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MeterSimulator } from '../../simulators/meter/index.ts';
import { startTestGateway, startTestIngestor, tempDir, waitFor, type TestGateway, type TestIngestor } from '../support/harness.ts';
import { gatewayConfig, killAllZm, sdm630Simulator, startGatewayProcess } from '../support/processes.ts';

// The uplink against the real ingestor's aedes: TLS with a private CA, credentials, the retained
// manifest, and the last will the broker publishes when a gateway dies without a word.
const tmp = tempDir('zm-gw-uplink-');
const open: { close(): Promise<void> }[] = [];
let sim: MeterSimulator;

afterAll(async () => {
  await killAllZm();
  for (const o of open.reverse()) await o.close().catch(() => undefined);
  await sim?.close();
  tmp.remove();
});

interface GatewayView { gateway: string; online: boolean; meters: number; status: { state: string } | null }

async function gateways(ing: TestIngestor): Promise<GatewayView[]> {
  return ((await (await fetch(`${ing.url}/api/v1/gateways`)).json()) as { gateways: GatewayView[] }).gateways;
}

function partial(id: string, uplink: Record<string, unknown>): Record<string, unknown> {
  // The harness gives in-process gateways a temp journal of their own.
  const { journal: _journal, ...cfg } = gatewayConfig('site-a', id, { uplink: '', simPort: sim.tcp!.port, meters: 1, dir: tmp.dir });
  return { ...cfg, uplink: { ...(cfg.uplink as object), ...uplink } };
}

describe('gateway uplink', () => {
  it('delivers over TLS with the CA configured, and refuses an unknown certificate without it', async () => {
    sim = await sdm630Simulator(1);
    const certFile = path.join(tmp.dir, 'c.pem');
    const keyFile = path.join(tmp.dir, 'k.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', keyFile, '-out', certFile, '-days', '2',
    ], { stdio: 'pipe' });
    const ing = await startTestIngestor({
      gateways: [['site-a', 'gw-tls'], ['site-a', 'gw-untrusting']],
      config: { mqtt: { host: '127.0.0.1', port: 0, tls: { cert: certFile, key: keyFile, port: 0 } } },
    });
    open.push(ing);
    const url = `mqtts://127.0.0.1:${ing.ingestor.broker!.tlsPort}`;

    const gw: TestGateway = await startTestGateway(partial('gw-tls', { url, tls: { ca: certFile } }));
    open.push(gw);
    const got = await waitFor(async () => {
      const res = await fetch(`${ing.url}/api/v1/meters/m1/latest`);
      return res.status === 200 ? ((await res.json()) as { values: Record<string, number> }) : undefined;
    }, { what: 'a reading stored over TLS' });
    expect(got.values.energy_import_kwh).toBeCloseTo(1000, 1);
    // The retained manifest told the ingestor about the meter before the first batch.
    expect((await gateways(ing)).find((g) => g.gateway === 'gw-tls')).toMatchObject({ online: true, meters: 1 });
    // InfluxDB has the reading before the ack has crossed back to the gateway: wait for the ack.
    await waitFor(() => (gw.gateway.journal.stats().ackedSeq > 0 ? true : undefined), { what: 'the ack of a TLS batch' });

    const bad = await startTestGateway(partial('gw-untrusting', { url }));
    open.push(bad);
    await waitFor(() => (bad.gateway.uplink.stats.lastError ? true : undefined), { what: 'the TLS refusal' });
    expect(bad.gateway.uplink.stats.lastError).toMatch(/self[- ]signed|certificate/i);
    expect(bad.gateway.uplink.stats.batchesAcked).toBe(0);
    expect(bad.gateway.journal.stats().ackedSeq).toBe(0);
    expect((await gateways(ing)).find((g) => g.gateway === 'gw-untrusting')?.online ?? false).toBe(false);
  });

  it('refuses a wrong password and keeps everything in the journal', async () => {
    const ing = await startTestIngestor({ gateways: [['site-a', 'gw-wrongpw']] });
    open.push(ing);
    const gw = await startTestGateway(partial('gw-wrongpw', { url: ing.mqttUrl, password: 'not-the-password' }));
    open.push(gw);
    await waitFor(() => (gw.gateway.uplink.stats.reconnects >= 2 ? true : undefined), { what: 'reconnect attempts' });
    expect(gw.gateway.uplink.stats.lastError).toMatch(/not authorized|bad user|auth/i);
    expect(gw.gateway.uplink.stats.batchesAcked).toBe(0);
    expect(gw.gateway.journal.stats().records).toBeGreaterThan(0);
  });

  it('kill -9 of the gateway process: the broker publishes its last will and the ingestor shows it offline', async () => {
    const ing = await startTestIngestor({ gateways: [['site-a', 'gw-will']] });
    open.push(ing);
    const cfg = gatewayConfig('site-a', 'gw-will', { uplink: ing.mqttUrl, simPort: sim.tcp!.port, meters: 1, dir: tmp.dir });
    const gw = await startGatewayProcess(path.join(tmp.dir, 'gw-will.json'), cfg);
    await waitFor(async () => ((await gateways(ing)).find((g) => g.gateway === 'gw-will' && g.online) ? true : undefined), { what: 'the gateway online' });
    await gw.proc.stop('SIGKILL');
    const view = await waitFor(async () => (await gateways(ing)).find((g) => g.gateway === 'gw-will' && !g.online), { what: 'the gateway offline by its will' });
    expect(view.status?.state).toBe('offline');
  });
});
