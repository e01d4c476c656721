import { readFileSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Condition } from '../../../../ingestor/alerts/rules.ts';
import { AlertStore } from '../../../../ingestor/alerts/store.ts';
import { tempDir } from '../../../support/harness.ts';

const log = pino({ level: 'silent' });
const MIN = 60_000;
const T0 = Date.parse('2026-03-04T00:00:00Z');
const c = (subject: string, holds: boolean | null, rule: Condition['rule'] = 'stale'): Condition => ({
  rule, site: 's', building: 'b', subject, subjectKind: 'meter', holds, value: holds ? 20 : 1, threshold: 15, unit: 'min', detail: `${subject} ${holds}`,
});
const timing = (forMin: number, clearMin: number) => () => ({ forMin, clearMin });
const covered = new Set(['stale|s', 'leak|s']);

describe('alert store', () => {
  const dirs: { remove(): void }[] = [];
  const dir = () => {
    const d = tempDir('zm-alerts-');
    dirs.push(d);
    return d.dir;
  };
  afterEach(() => { for (const d of dirs.splice(0)) d.remove(); });

  it('fires after the condition held forMin, once per rule and subject, and resolves after clearMin', () => {
    const store = new AlertStore(dir(), log, 100);
    const t = timing(10, 5);
    expect(store.apply([c('m1', true)], T0, t, covered)).toEqual([]);
    expect(store.apply([c('m1', true)], T0 + 9 * MIN, t, covered)).toEqual([]);
    const [fired] = store.apply([c('m1', true)], T0 + 10 * MIN, t, covered);
    expect(fired).toMatchObject({ event: 'firing', alert: { id: 1, state: 'firing', since: T0, fired_at: T0 + 10 * MIN } });
    // Holding on: the same alert, not another.
    expect(store.apply([c('m1', true)], T0 + 20 * MIN, t, covered)).toEqual([]);
    // A flap shorter than clearMin keeps it firing.
    expect(store.apply([c('m1', false)], T0 + 21 * MIN, t, covered)).toEqual([]);
    expect(store.apply([c('m1', true)], T0 + 22 * MIN, t, covered)).toEqual([]);
    expect(store.apply([c('m1', false)], T0 + 23 * MIN, t, covered)).toEqual([]);
    // No judgement (no data) changes nothing either way.
    expect(store.apply([c('m1', null)], T0 + 40 * MIN, t, covered)).toEqual([]);
    const [resolved] = store.apply([c('m1', false)], T0 + 41 * MIN, t, covered);
    expect(resolved).toMatchObject({ event: 'resolved', alert: { id: 1, state: 'resolved', resolved_at: T0 + 41 * MIN } });
    // A condition that holds again is a new alert.
    const [again] = store.apply([c('m1', true)], T0 + 60 * MIN, timing(0, 0), covered);
    expect(again!.alert.id).toBe(2);
    expect(store.list({ state: 'active' }).map((a) => a.id)).toEqual([2]);
    expect(store.list().map((a) => a.id)).toEqual([2, 1]);
  });

  it('resolves an active alert whose subject is no longer evaluated, only where the rule and site were judged', () => {
    const store = new AlertStore(dir(), log, 100);
    store.apply([c('m1', true), c('w1', true, 'leak')], T0, timing(0, 0), covered);
    expect(store.apply([], T0 + MIN, timing(0, 0), new Set(['stale|s']))).toMatchObject([{ event: 'resolved', alert: { subject: 'm1' } }]);
    expect(store.list({ state: 'firing' }).map((a) => a.subject)).toEqual(['w1']);
  });

  it('acknowledges with a note, refuses unknown and resolved alerts, and keeps it all across a restart', () => {
    const d = dir();
    const store = new AlertStore(d, log, 100);
    store.apply([c('m1', true), c('m2', true)], T0, timing(0, 30), covered);
    const ack = store.ack(1, 'fuse replaced', 'Wang', T0 + MIN);
    expect(ack).toMatchObject({ event: 'acknowledged', alert: { state: 'acknowledged', ack: { at: T0 + MIN, note: 'fuse replaced', by: 'Wang' } } });
    expect(() => store.ack(99, 'x', undefined, T0)).toThrow(/no alert 99/);
    store.apply([c('m1', true), c('m2', false)], T0 + 2 * MIN, timing(0, 30), covered);
    store.save();

    const again = new AlertStore(d, log, 100);
    expect(again.list().map((a) => [a.id, a.state])).toEqual([[2, 'firing'], [1, 'acknowledged']]);
    // The clear clock of m2 carried over: 30 minutes after it began, it resolves.
    expect(again.apply([c('m1', true), c('m2', false)], T0 + 32 * MIN, timing(0, 30), covered)).toMatchObject([{ event: 'resolved', alert: { id: 2 } }]);
    expect(() => again.ack(2, 'late', undefined, T0)).toThrow(/resolved/);
    // Still firing: holding again neither fires twice nor forgets the acknowledgement.
    expect(again.apply([c('m1', true)], T0 + 33 * MIN, timing(0, 30), covered)).toEqual([]);
    expect(again.list({ state: 'acknowledged' })).toHaveLength(1);
    const file = JSON.parse(readFileSync(path.join(d, 'alerts.json'), 'utf8')) as { v: number };
    expect(file.v).toBe(1);
  });

  it('stays within maxAlerts under a flood: resolved alerts age out first, the file stays bounded', () => {
    const d = dir();
    const store = new AlertStore(d, log, 50);
    store.apply([c('keep', true)], T0, timing(0, 0), covered);
    // 10,000 subjects fire and resolve, one after the other.
    for (let i = 0; i < 10_000; i++) {
      store.apply([c('keep', true), c(`m${i}`, true)], T0 + i * 2, timing(0, 0), covered);
      store.apply([c('keep', true), c(`m${i}`, false)], T0 + i * 2 + 1, timing(0, 0), covered);
    }
    expect(store.size).toBe(50);
    expect(store.list({ state: 'firing' }).map((a) => a.subject)).toEqual(['keep']);
    expect(store.evicted).toBe(10_001 - 50);
    // Then more active alerts than the bound: the oldest give way and the count says so.
    store.apply(Array.from({ length: 80 }, (_, i) => c(`x${i}`, true)), T0 + 30_000, timing(0, 0), covered);
    expect(store.size).toBe(50);
    store.save();
    expect(readFileSync(path.join(d, 'alerts.json')).length).toBeLessThan(50 * 600);
  });
});
