import { writeFileSync } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../cli/ports.ts';
import { GatewayConfigSchema, loadGatewayConfig } from '../../gateway/config.ts';
import type { MeterSimulator } from '../../simulators/meter/index.ts';
import { startTestGateway, tempDir, waitFor, type TestGateway } from '../support/harness.ts';
import { sdm630Simulator, type GatewayStatus } from '../support/processes.ts';

// The gateway's health listener with one live meter and one dead one (its bridge is not there),
// the uplink pointing at a port nobody listens on.
let sim: MeterSimulator;
let gw: TestGateway;
const tmp = tempDir('zm-gw-health-');

beforeAll(async () => {
  sim = await sdm630Simulator(1);
  gw = await startTestGateway({
    site: 'site-h', gateway: 'gw-h', building: 'hall',
    uplink: { url: `mqtt://127.0.0.1:${await freePort()}` },
    buses: [
      { id: 'live-bus', type: 'tcp', host: '127.0.0.1', port: sim.tcp!.port },
      { id: 'dead-bus', type: 'tcp', host: '127.0.0.1', port: await freePort(), timeoutMs: 100 },
    ],
    meters: [
      { id: 'live', bus: 'live-bus', unitId: 1, model: 'SDM630', zone: 'administrative', endUse: 'total', intervalMs: 100 },
      { id: 'dead', bus: 'dead-bus', unitId: 1, model: 'SDM630', zone: 'business', endUse: 'total', intervalMs: 100, retries: 0 },
    ],
  }, { log: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await gw?.close();
  await sim?.close();
  tmp.remove();
});

describe('gateway health listener', () => {
  it('GET /healthz answers while the process runs', async () => {
    const res = await fetch(`${gw.healthUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', alarms: [] });
  });

  it('GET /api/v1/status names the dead meter, its errors and the journal depth', async () => {
    const s = await waitFor(async () => {
      const st = (await (await fetch(`${gw.healthUrl}/api/v1/status`)).json()) as GatewayStatus;
      const dead = st.meters.find((m) => m.id === 'dead')!;
      return dead.consecutive_errors >= 2 && st.journal.records >= 5 ? st : undefined;
    }, { what: 'errors on the dead meter' });
    const live = s.meters.find((m) => m.id === 'live')!;
    const dead = s.meters.find((m) => m.id === 'dead')!;
    expect(live).toMatchObject({ online: true, consecutive_errors: 0, last_error: null });
    expect(live.last_read).toBeGreaterThan(s.clock.now - 5000);
    expect(dead).toMatchObject({ online: false, last_read: null, reads: 0 });
    expect(dead.last_error).toMatch(/ECONNREFUSED|refused|connect/i);
    expect(dead.errors).toBeGreaterThanOrEqual(dead.consecutive_errors);
    // Nothing is acked (no ingestor), so every reading is still in the journal.
    expect(s.journal.records).toBe(s.journal.last_seq);
    expect(s.journal.acked_seq).toBe(0);
    expect(s.journal.bytes).toBeGreaterThan(0);
    expect(s.journal.oldest_unacked_age_ms).toBeGreaterThanOrEqual(0);
    expect(s.uplink.state).not.toBe('online');
    expect(Math.abs(s.clock.now - Date.now())).toBeLessThan(5000);
  });

  it('GET /metrics speaks the Prometheus text format', async () => {
    const res = await fetch(`${gw.healthUrl}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = new Map<string, number>();
    for (const line of text.trimEnd().split('\n')) {
      if (line.startsWith('#')) {
        expect(line).toMatch(/^# (HELP|TYPE) zm_[a-z_]+ .+$/);
        continue;
      }
      const m = /^(zm_[a-z_]+(?:\{[^}]*\})?) (-?[0-9.e+-]+)$/.exec(line);
      expect(m, line).not.toBeNull();
      samples.set(m![1]!, Number(m![2]));
    }
    expect(samples.get('zm_meter_online{meter="live",bus="live-bus"}')).toBe(1);
    expect(samples.get('zm_meter_online{meter="dead",bus="dead-bus"}')).toBe(0);
    expect(samples.get('zm_meter_consecutive_errors{meter="dead",bus="dead-bus"}')).toBeGreaterThanOrEqual(2);
    expect(samples.get('zm_meter_reads_total{meter="live",bus="live-bus"}')).toBeGreaterThan(0);
    expect(samples.get('zm_journal_records')).toBeGreaterThan(0);
    expect(samples.get('zm_uplink_connected')).toBe(0);
  });

  it('listens on ZM_GATEWAY_HTTP, 127.0.0.1:8081 unless told', () => {
    const base = { site: 's', gateway: 'g', building: 'b', buses: [{ id: 'b1', type: 'tcp', host: 'h' }], meters: [{ id: 'm', bus: 'b1', unitId: 1, model: 'SDM630', zone: 'other', endUse: 'total' }] };
    expect(GatewayConfigSchema.parse(base).http).toEqual({ listen: '127.0.0.1:8081' });
    const file = `${tmp.dir}/gw.json`;
    writeFileSync(file, JSON.stringify(base));
    expect(loadGatewayConfig(file, { ZM_GATEWAY_HTTP: '127.0.0.1:9999' }).http).toEqual({ listen: '127.0.0.1:9999' });
  });
});
