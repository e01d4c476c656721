import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startBuilding, type Building } from '../../../simulators/building/index.ts';
import { parseSite } from '../../../simulators/building/schema.ts';

const MIN = 60_000;
const site = (faults: unknown[] = []) => parseSite({
  site: 'f', origin: '2026-01-01',
  endpoints: [{ id: 'tcp-1', type: 'tcp', port: 0 }],
  buildings: [{ id: 'b', meters: [
    { id: 'main', model: 'SDM630', endpoint: 'tcp-1', unitId: 1, zone: 'administrative', endUse: 'total' },
    { id: 'sub', model: 'DVH4013', endpoint: 'tcp-1', unitId: 2, parent: 'main', zone: 'administrative', endUse: 'total', profile: 'base', scale: 10 },
  ] }],
  faults,
}, 'fault site');

const settle = () => new Promise((r) => setTimeout(r, 80));
const faultOf = (b: Building, id: string) => b.status().find((m) => m.id === id)!.fault;
const refused = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.connect(port, '127.0.0.1').once('connect', () => { s.destroy(); resolve(false); }).once('error', () => resolve(true));
});

describe('building faults', () => {
  let b: Building | undefined;
  afterEach(async () => {
    await b?.close();
    b = undefined;
  });

  it('applies a scheduled fault at its simulated minute and clears it forMin later', async () => {
    b = await startBuilding(site([{ meter: 'sub', atMin: 10, forMin: 5, fault: { kind: 'stuck' } }]), { clock: { start: Date.parse('2026-01-05T00:00:00Z'), frozen: true } });
    b.clock.advance(9.9 * MIN);
    await settle();
    expect(faultOf(b, 'sub')).toBeNull();
    b.clock.advance(0.2 * MIN);
    await settle();
    expect(faultOf(b, 'sub')).toEqual({ kind: 'stuck' });
    const stuck = b.meter('sub').get().energy_import_kwh;
    b.clock.advance(4 * MIN);
    await settle();
    expect(b.meter('sub').get().energy_import_kwh).toBe(stuck);
    b.clock.advance(1 * MIN);
    await settle();
    expect(faultOf(b, 'sub')).toBeNull();
    expect(b.meter('sub').get().energy_import_kwh).toBeGreaterThan(stuck!);
  });

  it('keeps an endpoint down until every meter that dropped it is cleared, then serves the same port', async () => {
    b = await startBuilding(site());
    const port = (b.endpoints.get('tcp-1') as { port: number }).port;
    await b.fault('main', { kind: 'link_drop' });
    await b.fault('sub', { kind: 'link_drop' });
    expect(await refused(port)).toBe(true);
    await b.fault('main', null);
    expect(await refused(port)).toBe(true);
    expect(b.status().every((m) => m.linkDown)).toBe(true);
    await b.fault('sub', null);
    expect(await refused(port)).toBe(false);
    expect((b.endpoints.get('tcp-1') as { port: number }).port).toBe(port);
  });

  it('rolls an integer counter over and refuses a float one', async () => {
    b = await startBuilding(site(), { clock: { frozen: true } });
    const { wrapAt } = await b.fault('sub', { kind: 'rollover', before: 2 });
    expect(wrapAt).toBe(2 ** 32 / 1000);
    expect(b.meter('sub').get().energy_import_kwh).toBeCloseTo(wrapAt! - 2, 3);
    b.clock.advance(60 * MIN);
    expect(b.meter('sub').get().energy_import_kwh).toBeLessThan(20);
    // SDM630 keeps energy in a float32: nothing wraps.
    await expect(b.fault('main', { kind: 'rollover', before: 1 })).rejects.toThrow(/no integer register/);
    // A counter change is not a lasting fault.
    expect(faultOf(b, 'sub')).toBeNull();
  });

  it('ends a timed fault without clearing one applied since', async () => {
    b = await startBuilding(site(), { clock: { frozen: true } });
    await b.fault('sub', { kind: 'silent' }, 1 * MIN);
    await b.fault('sub', { kind: 'delay', ms: 5 });
    b.clock.advance(2 * MIN);
    await settle();
    expect(faultOf(b, 'sub')).toEqual({ kind: 'delay', ms: 5 });
    expect(b.meter('sub').takeFault()).toEqual({ kind: 'delay', ms: 5 });
  });
});
