import type { Logger } from 'pino';
import { USAGE_COUNTER } from '../../core/index.ts';
import type { Alert } from '../../core/api-alerts.ts';
import type { Directory, KnownMeter } from '../ingest/directory.ts';
import type { StoredReading } from '../ingest/pipeline.ts';
import { findSite } from '../registry/lookup.ts';
import { mergeRules, type RuleSettings } from '../registry/alert-rules.ts';
import type { Registry } from '../registry/schema.ts';
import { readSiteReport, type TotalsSource } from '../reports/read.ts';
import type { InfluxClient } from '../store/influx.ts';
import type { UsageEvent } from '../usage/counter.ts';
import type { AlertsConfig } from './config.ts';
import { LocalCalendar } from './days.ts';
import { Notifier } from './notify.ts';
import { readLastSeen, readUsage } from './read.ts';
import {
  backlogConditions, balanceConditions, completenessConditions, counterConditions, leakConditions, nightBaseConditions,
  staleConditions, trajectoryConditions, weekendConditions, type AlertMeter, type Condition, type CounterEvent, type PlanStanding,
} from './rules.ts';
import { AlertStore, type AlertFilter, type Transition } from './store.ts';

export interface AlertServiceDeps {
  influx: InfluxClient;
  directory: Directory;
  registry: Registry | null;
  /** Per-meter totals of periods (the reports' cache), for the plan trajectory. */
  totals: TotalsSource | null;
  dataDir: string;
  utcOffsetHours: number;
  log: Logger;
  now?: () => number;
  /**
   * Where the last reading of each meter is taken from: `memory` (default) from the readings as
   * they are stored, at no cost per evaluation; `influx` from InfluxDB as of the evaluation time,
   * for judging history after a backfill.
   */
  lastSeen?: 'memory' | 'influx';
  /**
   * Why derived usage cannot be judged now (derivation failing, or far behind its readings after
   * a backfill or an outage), or null: the usage rules then wait rather than call a day incomplete
   * that is only not derived yet.
   */
  usageNotReady?: () => string | null;
}

const USAGE_RULES = ['night_base', 'leak', 'weekend', 'balance', 'completeness', 'trajectory'] as const;
const LIVE_RULES = ['stale', 'counter', 'backlog'] as const;
const EVENTS_PER_METER = 20;
const MAX_EVENT_METERS = 10_000;
/** The history read for stale meters: a meter silent for longer shows as silent without a time. */
const LAST_SEEN_LOOKBACK_MS = 2 * 86_400_000;

/**
 * Evaluates the alert rules where the data is: stale meters, counter events and gateway backlogs
 * every evaluateEverySeconds from what the ingestor holds in memory; the rules on derived usage
 * every usageEveryMinutes from bounded InfluxDB reads per site. Transitions go to the store
 * (hysteresis, persistence) and then to the webhooks, never holding up ingest.
 */
export class AlertService {
  readonly store: AlertStore;
  readonly notifier: Notifier;
  private readonly cal: LocalCalendar;
  private readonly lastSeen = new Map<string, number>();
  private readonly events = new Map<string, CounterEvent[]>();
  private readonly standings = new Map<string, { day: number; list: PlanStanding[] }>();
  private readonly now: () => number;
  private timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();
  readonly counters = { evaluations: 0, failures: 0 };
  private readonly startedAt: number;

  constructor(private readonly config: AlertsConfig, private readonly deps: AlertServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.startedAt = this.now();
    this.cal = new LocalCalendar(Math.round(deps.utcOffsetHours * 3_600_000));
    this.store = new AlertStore(deps.dataDir, deps.log, config.maxAlerts);
    this.notifier = new Notifier(config.webhooks, deps.log.child({ part: 'webhooks' }), { offsetHours: deps.utcOffsetHours, now: this.now });
  }

  /** Readings InfluxDB accepted: when each meter was last heard from. */
  onStored(stored: readonly StoredReading[]): void {
    for (const { reading, meter } of stored) {
      const k = `${meter.site}/${meter.id}`;
      const t = this.lastSeen.get(k);
      if (t === undefined || reading.ts > t) this.lastSeen.set(k, reading.ts);
    }
  }

  /** A counter step the usage service refused: a jump beyond the rating or a decrease. */
  onCounterEvent(meter: KnownMeter, e: UsageEvent): void {
    if (e.flag !== 'counter_jump' && e.flag !== 'counter_decreased') return;
    const k = `${meter.site}/${meter.id}`;
    let list = this.events.get(k);
    if (!list) {
      if (this.events.size >= MAX_EVENT_METERS) this.events.delete(this.events.keys().next().value!);
      this.events.set(k, (list = []));
    }
    // A re-derivation meets the same reading again.
    if (list.some((x) => x.ts === e.ts && x.flag === e.flag)) return;
    list.push({ ts: e.ts, flag: e.flag, prev: e.prev, value: e.value });
    list.sort((a, b) => a.ts - b.ts);
    if (list.length > EVENTS_PER_METER) list.splice(0, list.length - EVENTS_PER_METER);
  }

  start(): void {
    if (!this.config.enabled) return;
    const tick = (usage: boolean) => () => {
      this.running = this.running.then(() => this.evaluate(this.now(), { usage })).catch((err: Error) => {
        this.counters.failures++;
        this.deps.log.warn({ err: err.message }, 'alert evaluation failed; trying again next time');
      });
    };
    this.timers.push(setInterval(tick(false), this.config.evaluateEverySeconds * 1000), setInterval(tick(true), this.config.usageEveryMinutes * 60_000));
    // The usage rules once soon after start, not only a full period later.
    this.timers.push(setTimeout(tick(true), this.config.evaluateEverySeconds * 1000));
    for (const t of this.timers) t.unref();
    // Seed when meters were last heard from, so a meter that died while the ingestor was down shows.
    this.running = this.running.then(() => this.seedLastSeen()).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'cannot read when meters last reported'));
  }

  /** Judges every rule (the usage rules too when `usage`) as of `now`; returns and sends the transitions. */
  async evaluate(now: number, opts: { usage: boolean }): Promise<Transition[]> {
    this.counters.evaluations++;
    const meters = this.deps.directory.allMeters().filter((m) => USAGE_COUNTER[m.kind]);
    const bySite = groupBySite(meters);
    for (const s of this.deps.registry?.institutions.flatMap((i) => i.sites) ?? []) if (!bySite.has(s.id)) bySite.set(s.id, []);
    const settingsCache = new Map<string, RuleSettings>();
    const settings = (m: AlertMeter) => {
      const k = `${m.site}/${m.building}/${m.zone}/${m.id}`;
      let s = settingsCache.get(k);
      if (!s) settingsCache.set(k, (s = this.rulesFor(m.site, m.building, m.zone, m.id)));
      return s;
    };
    const siteSettings = (site: string) => {
      let s = settingsCache.get(site);
      if (!s) settingsCache.set(site, (s = this.rulesFor(site, '', '', '')));
      return s;
    };
    // Lists gathered and flattened once: push(...list) fails once a list outgrows a call's arguments.
    const found: Condition[][] = [];
    const covered = new Set<string>();
    const notReady = opts.usage ? this.deps.usageNotReady?.() ?? null : null;
    if (notReady) this.deps.log.info({ reason: notReady }, 'usage rules wait');
    const usageNow = opts.usage && !notReady;
    const rules = [...LIVE_RULES, ...(usageNow ? USAGE_RULES : [])];
    for (const [site, list] of bySite) {
      for (const r of rules) covered.add(`${r}|${site}`);
      const am = list.map(toAlertMeter);
      const seen = await this.lastSeenOf(site, list, now);
      found.push(staleConditions(am, seen, now, settings));
      const events = new Map(list.map((m) => [m.id, this.events.get(`${site}/${m.id}`) ?? []]));
      found.push(counterConditions(am, events, now, settings));
      if (!usageNow) continue;
      try {
        if (am.length) {
          const usage = await readUsage(this.deps.influx, site, this.cal, now);
          found.push(
            nightBaseConditions(am, usage, this.cal, now, settings),
            leakConditions(am, usage, this.cal, now, settings),
            weekendConditions(am, usage, this.cal, now, settings),
            balanceConditions(am, usage, this.cal, now, settings),
            completenessConditions(am, usage, this.cal, now, settings, this.deps.registry?.completenessThreshold ?? 0.95),
          );
        }
        found.push(trajectoryConditions(await this.standingsOf(site, list, now), this.yearOf(now), siteSettings));
      } catch (err) {
        // Nothing judged, nothing changed: the site's usage rules wait for the next evaluation.
        for (const r of USAGE_RULES) covered.delete(`${r}|${site}`);
        this.counters.failures++;
        this.deps.log.warn({ site, err: (err as Error).message }, 'cannot read usage for the alert rules');
      }
    }
    const gateways = this.deps.directory.allGateways().filter((g) => g.status?.journal).map((g) => ({
      site: g.site, gateway: g.gateway, oldestUnackedMs: g.status!.journal!.oldest_unacked_ms, statusTs: g.status!.ts,
    }));
    found.push(backlogConditions(gateways, now, siteSettings));
    const conditions = found.flat();
    const timing = (c: Condition) => {
      const m = c.subjectKind === 'meter' ? this.deps.directory.meter(c.site, c.subject) : undefined;
      return (m ? settings(toAlertMeter(m)) : siteSettings(c.site))[c.rule];
    };
    const transitions = this.store.apply(conditions, now, timing, covered);
    this.notifier.notify(transitions);
    for (const t of transitions) this.deps.log.info({ event: t.event, id: t.alert.id, rule: t.alert.rule, site: t.alert.site, subject: t.alert.subject }, `alert ${t.event}`);
    return transitions;
  }

  ack(id: number, note: string, by: string | undefined): Alert {
    const t = this.store.ack(id, note, by, this.now());
    this.notifier.notify([t]);
    return t.alert;
  }

  list(f: AlertFilter): Alert[] {
    return this.store.list(f);
  }

  /** The rule settings for a meter (or a site, with empty building and meter): defaults under the registry's, most specific last. */
  rulesFor(siteId: string, building: string, zone: string, meter: string): RuleSettings {
    const reg = this.deps.registry;
    if (!reg) return mergeRules();
    const site = findSite(reg, siteId)?.site;
    const b = site?.buildings.find((x) => x.id === building);
    const { zones, meters, ...own } = b?.alerts ?? {};
    return mergeRules(reg.alerts, site?.alerts, own, zones?.[zone], meters?.[meter]);
  }

  metrics(): string {
    const out: string[] = [];
    const counts = this.store.byRuleState();
    out.push('# HELP zm_alerts Alerts kept, by rule and state (resolved ones age out beyond alerts.maxAlerts).', '# TYPE zm_alerts gauge');
    for (const rule of [...LIVE_RULES, ...USAGE_RULES].sort()) {
      for (const state of ['firing', 'acknowledged', 'resolved']) out.push(`zm_alerts{rule="${rule}",state="${state}"} ${counts.get(`${rule}|${state}`) ?? 0}`);
    }
    out.push('# HELP zm_alerts_evicted_total Alerts dropped to keep within alerts.maxAlerts.', '# TYPE zm_alerts_evicted_total counter', `zm_alerts_evicted_total ${this.store.evicted}`);
    out.push('# HELP zm_alert_evaluation_failures_total Alert evaluations that could not read what they needed.', '# TYPE zm_alert_evaluation_failures_total counter', `zm_alert_evaluation_failures_total ${this.counters.failures}`);
    const ch = this.notifier.counters();
    out.push('# HELP zm_alert_notifications_total Alert notifications per webhook: sent, failed (given up after retries), retried, dropped (queue full, oldest first).', '# TYPE zm_alert_notifications_total counter');
    for (const c of ch) for (const k of ['sent', 'failed', 'retries', 'dropped'] as const) out.push(`zm_alert_notifications_total{webhook="${c.id}",type="${c.type}",outcome="${k}"} ${c.counters[k]}`);
    out.push('# HELP zm_alert_notifications_queued Alert notifications waiting per webhook.', '# TYPE zm_alert_notifications_queued gauge');
    for (const c of ch) out.push(`zm_alert_notifications_queued{webhook="${c.id}",type="${c.type}"} ${c.counters.queued}`);
    return `${out.join('\n')}\n`;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    await this.running.catch(() => undefined);
    await this.notifier.close();
    this.store.close();
  }

  private yearOf(now: number): number {
    return Number(this.cal.iso(this.cal.day(now)).slice(0, 4));
  }

  private async lastSeenOf(site: string, meters: readonly KnownMeter[], now: number): Promise<Map<string, number>> {
    if (this.deps.lastSeen === 'influx') {
      const fields = [...new Set(meters.map((m) => USAGE_COUNTER[m.kind]).filter((f): f is NonNullable<typeof f> => f !== undefined))];
      return readLastSeen(this.deps.influx, site, fields, now, LAST_SEEN_LOOKBACK_MS);
    }
    const out = new Map<string, number>();
    for (const m of meters) {
      const t = this.lastSeen.get(`${site}/${m.id}`);
      if (t !== undefined) out.set(m.id, t);
      // A meter never heard from since start-up (and not in the seeded window) counts from start-up.
      else out.set(m.id, this.startedAt);
    }
    return out;
  }

  private async seedLastSeen(): Promise<void> {
    for (const [site, list] of groupBySite(this.deps.directory.allMeters())) {
      const fields = [...new Set(list.map((m) => USAGE_COUNTER[m.kind]).filter((f): f is NonNullable<typeof f> => f !== undefined))];
      const seen = await readLastSeen(this.deps.influx, site, fields, this.now(), LAST_SEEN_LOOKBACK_MS);
      for (const [meter, ts] of seen) {
        const k = `${site}/${meter}`;
        if (!(this.lastSeen.get(k)! >= ts)) this.lastSeen.set(k, ts);
      }
    }
  }

  /** Plan standings of a site, read once per local day (they move with whole months only). */
  private async standingsOf(site: string, meters: readonly KnownMeter[], now: number): Promise<PlanStanding[]> {
    const reg = this.deps.registry;
    if (!reg || !this.deps.totals || !findSite(reg, site)) return [];
    const day = this.cal.day(now);
    const cached = this.standings.get(site);
    if (cached?.day === day) return cached.list;
    const report = await readSiteReport(this.deps.totals, reg, site, { ytd: true }, {
      parentOf: (id) => this.deps.directory.meter(site, id)?.parent,
      meters: meters.map((m) => ({ id: m.id, building: m.building, kind: m.kind, role: m.role, ...(m.parent ? { parent: m.parent } : {}) })),
      now,
    });
    const list: PlanStanding[] = report.total.plans.flatMap((p) => p.progress.map((g) => ({
      site, plan: p.plan, indicator: g.indicator, baseYear: g.baseYear, targetYear: g.targetYear, target: g.target.value ?? 0,
      decline: g.decline.value, ...(g.decline.reason ? { reason: g.decline.reason } : {}), months: report.period.months,
    })));
    this.standings.set(site, { day, list });
    return list;
  }
}

function groupBySite(meters: readonly KnownMeter[]): Map<string, KnownMeter[]> {
  const out = new Map<string, KnownMeter[]>();
  for (const m of meters) {
    let list = out.get(m.site);
    if (!list) out.set(m.site, (list = []));
    list.push(m);
  }
  return out;
}

function toAlertMeter(m: KnownMeter): AlertMeter {
  const rating = m.kind === 'water' || m.kind === 'gas' ? m.max_flow_m3h : m.max_power_kw;
  return {
    id: m.id, site: m.site, building: m.building, kind: m.kind, zone: m.zone, role: m.role,
    ...(m.parent ? { parent: m.parent } : {}), ...(rating !== undefined ? { rating } : {}),
  };
}
