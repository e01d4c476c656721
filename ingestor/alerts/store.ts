import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ZmError } from '../../core/index.ts';
import type { Alert, AlertRule, AlertState } from '../../core/api-alerts.ts';
import type { Condition } from './rules.ts';

export interface Transition {
  event: 'firing' | 'resolved' | 'acknowledged';
  alert: Alert;
}

interface Kept extends Alert {
  /** While active: since when the condition has been clear (resolves after clearMin). */
  clear_since: number | null;
}

interface Persisted {
  v: 1;
  next_id: number;
  alerts: Kept[];
  /** Conditions holding but not yet for their duration: key → since. */
  pending: [string, number][];
}

export interface AlertFilter {
  site?: string;
  state?: AlertState | 'active';
  rule?: AlertRule;
  limit?: number;
}

const keyOf = (c: Pick<Condition, 'rule' | 'site' | 'subject'>) => `${c.rule}|${c.site}|${c.subject}`;
const active = (a: Alert) => a.state !== 'resolved';

/**
 * Alert state: one alert per rule and subject at a time, fired once its condition has held for
 * the rule's forMin and resolved once clear for its clearMin. Kept in dataDir/alerts.json,
 * replaced atomically (write + rename), so a restart neither loses an acknowledgement nor fires
 * again what was firing. At most `maxAlerts` are kept: resolved ones age out first, oldest first.
 */
export class AlertStore {
  private alerts: Kept[] = [];
  private readonly byKey = new Map<string, Kept>();
  private readonly pending = new Map<string, number>();
  private nextId = 1;
  private readonly file: string;
  private saveTimer: NodeJS.Timeout | null = null;
  /** Alerts dropped to keep within maxAlerts (active ones only when every kept alert is active). */
  evicted = 0;

  constructor(dataDir: string, private readonly log: Logger, private readonly maxAlerts: number) {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, 'alerts.json');
    try {
      const saved = JSON.parse(readFileSync(this.file, 'utf8')) as Persisted;
      if (saved.v === 1) {
        this.alerts = saved.alerts;
        this.nextId = saved.next_id;
        for (const [k, since] of saved.pending) this.pending.set(k, since);
        for (const a of this.alerts) if (active(a)) this.byKey.set(keyOf(a), a);
        this.trim();
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn({ err, file: this.file }, 'cannot read alert state; starting without');
    }
  }

  /**
   * Applies one evaluation. `covered`: the rule|site pairs the evaluation judged; an active alert
   * of a covered pair without a condition any more (meter gone, rule switched off) resolves.
   */
  apply(conditions: readonly Condition[], now: number, timing: (c: Condition) => { forMin: number; clearMin: number }, covered: ReadonlySet<string>): Transition[] {
    const out: Transition[] = [];
    const seen = new Set<string>();
    for (const c of conditions) {
      const key = keyOf(c);
      seen.add(key);
      if (c.holds === null) continue;
      const t = timing(c);
      const a = this.byKey.get(key);
      if (c.holds) {
        if (a) {
          a.clear_since = null;
          Object.assign(a, { value: c.value, threshold: c.threshold, detail: c.detail.slice(0, 500) });
          continue;
        }
        const since = this.pending.get(key) ?? now;
        if (now - since < t.forMin * 60_000) { this.pending.set(key, since); continue; }
        this.pending.delete(key);
        const alert: Kept = {
          id: this.nextId++, rule: c.rule, site: c.site, building: c.building, subject: c.subject, subject_kind: c.subjectKind,
          state: 'firing', since, fired_at: now, resolved_at: null, value: c.value, threshold: c.threshold, unit: c.unit,
          detail: c.detail.slice(0, 500), ack: null, clear_since: null,
        };
        this.alerts.push(alert);
        this.byKey.set(key, alert);
        out.push({ event: 'firing', alert: this.view(alert) });
      } else {
        this.pending.delete(key);
        if (!a) continue;
        a.clear_since ??= now;
        Object.assign(a, { value: c.value, threshold: c.threshold, detail: c.detail.slice(0, 500) });
        if (now - a.clear_since >= t.clearMin * 60_000) out.push(this.resolve(key, a, now));
      }
    }
    for (const [key, a] of this.byKey) {
      if (!seen.has(key) && covered.has(`${a.rule}|${a.site}`)) out.push(this.resolve(key, a, now, 'no longer evaluated (subject gone or rule switched off)'));
    }
    for (const key of this.pending.keys()) {
      const [rule, site] = key.split('|');
      if (!seen.has(key) && covered.has(`${rule}|${site}`)) this.pending.delete(key);
    }
    if (out.length) {
      this.trim();
      this.scheduleSave();
    }
    return out;
  }

  ack(id: number, note: string, by: string | undefined, now: number): Transition {
    const a = this.alerts.find((x) => x.id === id);
    if (!a) throw new ZmError('ERR_NOT_FOUND', `no alert ${id}`);
    if (a.state === 'resolved') throw new ZmError('ERR_CONFLICT', `alert ${id} is resolved; nothing to acknowledge`);
    a.state = 'acknowledged';
    a.ack = { at: now, note, by: by ?? null };
    this.scheduleSave();
    return { event: 'acknowledged', alert: this.view(a) };
  }

  list(f: AlertFilter = {}): Alert[] {
    const out: Alert[] = [];
    for (let i = this.alerts.length - 1; i >= 0 && out.length < (f.limit ?? Infinity); i--) {
      const a = this.alerts[i]!;
      if (f.site && a.site !== f.site) continue;
      if (f.rule && a.rule !== f.rule) continue;
      if (f.state && (f.state === 'active' ? !active(a) : a.state !== f.state)) continue;
      out.push(this.view(a));
    }
    return out;
  }

  counts(): Record<AlertState, number> {
    const c: Record<AlertState, number> = { firing: 0, acknowledged: 0, resolved: 0 };
    for (const a of this.alerts) c[a.state]++;
    return c;
  }

  /** Alerts kept, per rule and state. */
  byRuleState(): Map<string, number> {
    const m = new Map<string, number>();
    for (const a of this.alerts) m.set(`${a.rule}|${a.state}`, (m.get(`${a.rule}|${a.state}`) ?? 0) + 1);
    return m;
  }

  get size(): number {
    return this.alerts.length;
  }

  save(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    const tmp = `${this.file}.tmp`;
    const body: Persisted = { v: 1, next_id: this.nextId, alerts: this.alerts, pending: [...this.pending] };
    writeFileSync(tmp, JSON.stringify(body));
    renameSync(tmp, this.file);
  }

  close(): void {
    if (this.saveTimer) this.save();
  }

  private resolve(key: string, a: Kept, now: number, why?: string): Transition {
    a.state = 'resolved';
    a.resolved_at = now;
    a.clear_since = null;
    if (why) a.detail = why;
    this.byKey.delete(key);
    return { event: 'resolved', alert: this.view(a) };
  }

  private view(a: Kept): Alert {
    const { clear_since: _, ...alert } = a;
    return { ...alert, ack: alert.ack ? { ...alert.ack } : null };
  }

  /** Keeps within maxAlerts: the oldest resolved go first, then (all being active) the oldest fired. */
  private trim(): void {
    let over = this.alerts.length - this.maxAlerts;
    if (over > 0) {
      const drop = new Set<Kept>();
      for (const a of this.alerts) if (over > 0 && !active(a)) { drop.add(a); over--; }
      for (const a of this.alerts) if (over > 0 && active(a)) { drop.add(a); this.byKey.delete(keyOf(a)); over--; }
      this.evicted += drop.size;
      this.alerts = this.alerts.filter((a) => !drop.has(a));
    }
    // Pending conditions are bounded the same way: the oldest give way.
    while (this.pending.size > this.maxAlerts) this.pending.delete(this.pending.keys().next().value!);
  }

  private scheduleSave(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      try {
        this.save();
      } catch (err) {
        this.log.error({ err, file: this.file }, 'cannot save alert state');
      }
    }, 1000);
    this.saveTimer.unref();
  }
}
