import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reading } from '../../../../core/index.ts';
import { openClock, type ClockConfig, type ClockKit, type ClockSources, type NtpState } from '../../../../gateway/clock/index.ts';
import { openJournal } from '../../../../gateway/journal/index.ts';
import type { Journal } from '../../../../gateway/journal/types.ts';
import { TimeProbe } from '../../../../gateway/uplink/time-probe.ts';

// The clock on a board without a real-time clock, with every clock a fake: the wall clock, the
// monotonic clock (ms since boot), the boot id and what NTP says are set by the test, so power
// cuts, NTP steps and jumps happen without touching the machine's clock.
const TRUE_START = Date.UTC(2026, 10, 30, 8, 0, 0);
const BUILT = { ts: Date.UTC(2026, 10, 1), what: 'this build' };
const STALE = Date.UTC(2020, 0, 1, 0, 0, 0);
const log = pino({ level: 'silent' });

class FakeClocks implements ClockSources {
  /** Wall clock minus true time. */
  wallError: number;
  monoMs = 12_345.678;
  ntpState: NtpState = 'unsynced';
  bootId: string | null;
  private trueNow = TRUE_START;

  constructor(o: { wall?: number; boot?: string } = {}) {
    this.wallError = (o.wall ?? TRUE_START) - TRUE_START;
    this.bootId = o.boot ?? 'boot-1';
  }

  wall = () => this.trueNow + this.wallError;
  mono = () => this.monoMs;
  ntp = () => Promise.resolve(this.ntpState);
  truth = () => this.trueNow;

  /** Time passes: every clock moves on together. */
  advance(ms: number): void {
    this.trueNow += ms;
    this.monoMs += ms;
  }

  /** Someone (NTP, an operator) sets the wall clock: only it moves. */
  setWall(to: number): void {
    this.wallError = to - this.trueNow;
  }
}

const dirs: string[] = [];
const open: { kit: ClockKit; journal: Journal }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    o.kit.close();
    await o.journal.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'zm-clock-'));
  dirs.push(d);
  return d;
}

async function start(clocks: FakeClocks, o: { dir?: string; cfg?: Partial<ClockConfig>; journal?: Journal } = {}) {
  const dir = o.dir ?? tmp();
  const journal = o.journal ?? await openJournal({ dir, maxBytes: 1 << 24, segmentBytes: 1 << 20, fsyncIntervalMs: 0 });
  const emitted: Reading[] = [];
  const kit = await openClock({
    trust: 'auto', maxJumpSeconds: 2, ingestorToleranceMs: 500, maxHeldReadings: 1000, dir, offsetMs: 0, ...o.cfg,
  }, {
    log, journal, sources: clocks, notBefore: BUILT,
    emit(readings) {
      journal.append(readings);
      emitted.push(...readings);
    },
  });
  open.push({ kit, journal });
  await kit.start();
  return { kit, journal, emitted, dir };
}

/** A poll: the poller stamps with readTime(), the gateway hands the reading to the clock. */
function poll(kit: ClockKit, meter: string, kwh: number): void {
  kit.accept({ meter, ts: Math.round(kit.clock.readTime()), values: { energy_import_kwh: kwh } });
}

/** Polls `n` times, `stepMs` apart; returns the true time of each read. */
function pollSeries(kit: ClockKit, clocks: FakeClocks, n: number, stepMs: number, meter = 'm1'): number[] {
  const truths: number[] = [];
  for (let i = 0; i < n; i++) {
    truths.push(clocks.truth());
    poll(kit, meter, 100 + i);
    clocks.advance(stepMs);
  }
  return truths;
}

describe('gateway clock: a board that boots with a stale clock', () => {
  it('holds readings while the clock reads 2020, and says why in its status', async () => {
    const clocks = new FakeClocks({ wall: STALE });
    const { kit, journal, emitted } = await start(clocks);
    pollSeries(kit, clocks, 5, 1000);
    expect(emitted).toEqual([]);
    expect(journal.stats().lastSeq).toBe(0);
    const st = kit.status();
    expect(st).toMatchObject({ trusted: false, source: null, held: 5 });
    expect(st.reason).toMatch(/before this build/);
    expect(kit.alarms()).toContain('clock_untrusted');
  });

  it('re-stamps the held readings once NTP has set the clock, and sends them in read order', async () => {
    const clocks = new FakeClocks({ wall: STALE });
    const { kit, journal, emitted } = await start(clocks);
    const truths = pollSeries(kit, clocks, 5, 1000);
    // NTP answers: timesyncd steps the clock to the true time, then reports synchronised.
    clocks.setWall(clocks.truth());
    kit.clock.check();
    expect(kit.status().reason).toMatch(/jumped forward/);
    clocks.ntpState = 'synced';
    await kit.clock.evaluate();
    expect(kit.status()).toMatchObject({ trusted: true, source: 'ntp', held: 0 });
    expect(emitted.map((r) => r.ts)).toEqual(truths);
    expect((await journal.read(0, 100, 1 << 20)).map((r) => r.reading.ts)).toEqual(truths);
    // From now on readings go straight through with the true time.
    const next = clocks.truth();
    poll(kit, 'm1', 200);
    expect(emitted.at(-1)!.ts).toBe(next);
  });

  it('re-stamps them from the ingestor\'s time when NTP never answers, taking half the round trip', async () => {
    const clocks = new FakeClocks({ wall: STALE });
    const { kit, emitted } = await start(clocks);
    const truths = pollSeries(kit, clocks, 3, 60_000);
    const probe = new TimeProbe(kit.clock, { intervalMs: 5000, timeoutMs: 10_000, log });
    const payload = JSON.parse(probe.due('site-a', 'gw-1')!) as { seq: number; readings: unknown[] };
    expect(payload.readings).toEqual([]);
    // 40 ms out, the ingestor stamps its ack, 40 ms back.
    clocks.advance(40);
    const ingestorTime = clocks.truth();
    clocks.advance(40);
    probe.onAck({ v: 1, seq: payload.seq, status: 'ok', stored: 0, quarantined: 0, time: ingestorTime });
    const st = kit.status();
    expect(st).toMatchObject({ trusted: true, source: 'ingestor' });
    expect(st.reason).toMatch(/set from the ingestor's time; the system clock is \d+\.\d days behind/);
    expect(st.now).toBe(clocks.truth());
    expect(emitted.map((r) => r.ts)).toEqual(truths);
    // The system clock is still wrong; the gateway's time is not.
    clocks.advance(1000);
    poll(kit, 'm1', 300);
    expect(emitted.at(-1)!.ts).toBe(clocks.truth());
  });

  it('does not take the ingestor\'s time from an ack whose round trip is longer than the tolerance allows', async () => {
    const clocks = new FakeClocks({ wall: STALE });
    const { kit } = await start(clocks);
    const probe = new TimeProbe(kit.clock, { intervalMs: 0, timeoutMs: 60_000, log });
    const { seq } = JSON.parse(probe.due('site-a', 'gw-1')!) as { seq: number };
    clocks.advance(3000);
    probe.onAck({ v: 1, seq, status: 'ok', stored: 0, quarantined: 0, time: clocks.truth() });
    expect(kit.status().trusted).toBe(false);
  });

  it('stops asking an ingestor whose acks carry no time', async () => {
    const clocks = new FakeClocks({ wall: STALE });
    const { kit } = await start(clocks);
    const probe = new TimeProbe(kit.clock, { intervalMs: 0, timeoutMs: 60_000, log });
    const { seq } = JSON.parse(probe.due('site-a', 'gw-1')!) as { seq: number };
    probe.onAck({ v: 1, seq, status: 'quarantined', stored: 0, quarantined: 1, reason: 'invalid_payload' });
    expect(probe.due('site-a', 'gw-1')).toBeNull();
    probe.reset();
    expect(probe.due('site-a', 'gw-1')).not.toBeNull();
  });
});

describe('gateway clock: trust and jumps', () => {
  it('detects a jump backwards mid-run, holds what is read after it, and re-stamps it when NTP vouches again', async () => {
    const clocks = new FakeClocks();
    clocks.ntpState = 'synced';
    const { kit, emitted } = await start(clocks);
    expect(kit.status()).toMatchObject({ trusted: true, source: 'ntp' });
    pollSeries(kit, clocks, 3, 1000);
    expect(emitted).toHaveLength(3);
    // Someone sets the clock an hour back; the kernel marks it unsynchronised.
    clocks.setWall(clocks.truth() - 3_600_000);
    clocks.ntpState = 'unsynced';
    const after = pollSeries(kit, clocks, 3, 1000);
    const st = kit.status();
    expect(st.trusted).toBe(false);
    expect(st.reason).toMatch(/jumped back 3600\.0 s/);
    expect(emitted).toHaveLength(3);
    expect(st.held).toBe(3);
    // NTP puts it right again.
    clocks.setWall(clocks.truth());
    clocks.ntpState = 'synced';
    kit.clock.check();
    await kit.clock.evaluate();
    expect(emitted.slice(3).map((r) => r.ts)).toEqual(after);
    expect(emitted.map((r) => r.ts)).toEqual([...emitted.map((r) => r.ts)].sort((a, b) => a - b));
  });

  it('auto: trusts a plausible clock where the system tells nothing of NTP; verify: waits', async () => {
    const a = new FakeClocks();
    a.ntpState = 'unknown';
    expect((await start(a)).kit.status()).toMatchObject({ trusted: true, source: 'system' });
    const v = new FakeClocks();
    v.ntpState = 'unknown';
    const { kit } = await start(v, { cfg: { trust: 'verify' } });
    expect(kit.status()).toMatchObject({ trusted: false, reason: 'waiting for NTP or the ingestor\'s time' });
  });

  it('a clock earlier than the newest reading in the journal is not believed, even where NTP cannot be asked', async () => {
    const dir = tmp();
    const journal = await openJournal({ dir, maxBytes: 1 << 24, segmentBytes: 1 << 20, fsyncIntervalMs: 0 });
    journal.append([{ meter: 'm1', ts: TRUE_START - 60_000, values: { energy_import_kwh: 1 } }]);
    await journal.flush();
    // fake-hwclock put back the time it saved an hour before the power cut.
    const clocks = new FakeClocks({ wall: TRUE_START - 3_600_000 });
    clocks.ntpState = 'unknown';
    const { kit } = await start(clocks, { dir, journal });
    expect(kit.status().trusted).toBe(false);
    expect(kit.status().reason).toMatch(/before the newest reading on record/);
  });

  it('holds a bounded number of readings, dropping the oldest past the bound', async () => {
    const clocks = new FakeClocks({ wall: STALE });
    const { kit, emitted } = await start(clocks, { cfg: { maxHeldReadings: 100 } });
    const truths = pollSeries(kit, clocks, 150, 1000);
    expect(kit.status()).toMatchObject({ held: 100, held_dropped: 50 });
    expect(kit.alarms()).toEqual(['clock_untrusted', 'clock_held_dropped']);
    clocks.setWall(clocks.truth());
    clocks.ntpState = 'synced';
    kit.clock.check();
    await kit.clock.evaluate();
    expect(emitted.map((r) => r.ts)).toEqual(truths.slice(50));
  });
});

describe('gateway clock: a restart while the clock is not trusted', () => {
  async function heldThenStopped(boot: string) {
    const clocks = new FakeClocks({ wall: STALE, boot });
    const first = await start(clocks);
    const truths = pollSeries(first.kit, clocks, 4, 1000);
    const provisional = first.kit.status().now;
    open.splice(open.findIndex((o) => o.kit === first.kit), 1);
    first.kit.close();
    await first.journal.close();
    return { clocks, dir: first.dir, truths, provisional };
  }

  it('after a process restart in the same boot, re-stamps what the last run held (the monotonic clock ran on)', async () => {
    const { clocks, dir, truths } = await heldThenStopped('boot-1');
    expect(readFileSync(path.join(dir, 'clock-held.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    clocks.advance(5000);
    const { kit, emitted } = await start(clocks, { dir });
    expect(kit.status()).toMatchObject({ trusted: false, held: 4 });
    clocks.setWall(clocks.truth());
    clocks.ntpState = 'synced';
    kit.clock.check();
    await kit.clock.evaluate();
    expect(emitted.map((r) => r.ts)).toEqual(truths);
    expect(emitted.every((r) => r.quality === undefined)).toBe(true);
  });

  it('after a reboot, flags what the last boot held clock_unknown instead of stamping it with a guess', async () => {
    const { clocks, dir, truths } = await heldThenStopped('boot-1');
    // Power cut: a new boot, the monotonic clock starts again, the wall clock is stale again.
    clocks.bootId = 'boot-2';
    clocks.monoMs = 8000;
    const { kit, emitted, journal } = await start(clocks, { dir });
    expect(emitted).toHaveLength(4);
    for (const r of emitted) expect(r.quality).toEqual({ energy_import_kwh: 'clock_unknown' });
    // Their ts is what the stale clock said, nowhere near the truth; the flag says so.
    for (const [i, r] of emitted.entries()) expect(Math.abs(r.ts - truths[i]!)).toBeGreaterThan(365 * 86_400_000);
    expect(kit.status()).toMatchObject({ trusted: false, held: 0, unstamped: 4 });
    expect((await journal.read(0, 10, 1 << 20))).toHaveLength(4);
    // Once the clock is trusted nothing of the old boot comes back re-stamped.
    clocks.setWall(clocks.truth());
    clocks.ntpState = 'synced';
    kit.clock.check();
    await kit.clock.evaluate();
    expect(emitted).toHaveLength(4);
  });
});
