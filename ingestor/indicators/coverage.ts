import { ENERGY_KINDS, FACILITIES, ZONES, type EnergyKind, type Facility, type ManifestMeter } from '../../core/index.ts';
import type { BalanceRow, CoverageRate, Measure, MeteringPoint } from '../../core/api.ts';
import type { Building } from '../registry/schema.ts';

export type { BalanceRow, CoverageRate, MeteringPoint };

/**
 * The kinds each facility must be sub-metered for. Each inner list is one point that any of its
 * kinds satisfies (a bathhouse heats water with district heat or electricity); kinds the building
 * is not supplied with drop out.
 */
export const FACILITY_KINDS: Record<Facility, EnergyKind[][]> = {
  central_ac: [['electricity']],
  canteen: [['electricity'], ['water'], ['gas']],
  bathhouse: [['water'], ['heat', 'electricity']],
  swimming_pool: [['water'], ['electricity']],
  data_center: [['electricity']],
};

export interface Coverage {
  building: string;
  /** 分区计量器具配备率 */
  zone: CoverageRate;
  /** 分项计量器具配备率 */
  facility: CoverageRate;
  points: MeteringPoint[];
}

export interface CoverageInput {
  building: Pick<Building, 'id' | 'zones' | 'facilities' | 'supplies'>;
  /** The site's manifest meters; those of other buildings are ignored. */
  meters: readonly ManifestMeter[];
  /** Epoch ms each meter was last heard from. */
  lastSeen: Readonly<Record<string, number>>;
  now: number;
  /** A meter heard from within this long counts as live. */
  liveWindowMs?: number;
}

export const DEFAULT_LIVE_WINDOW_MS = 15 * 60_000;

/** The metering points a building needs: every zone × every supplied kind, every facility × its kinds. */
export function requiredPoints(b: CoverageInput['building']): Omit<MeteringPoint, 'meters' | 'live' | 'status' | 'reason'>[] {
  const out: Omit<MeteringPoint, 'meters' | 'live' | 'status' | 'reason'>[] = [];
  for (const { zone } of b.zones) {
    for (const kind of b.supplies) out.push({ group: 'zone', zone, kinds: [kind], required: true });
  }
  for (const facility of b.facilities) {
    for (const alternatives of FACILITY_KINDS[facility]) {
      const kinds = alternatives.filter((k) => b.supplies.includes(k));
      if (kinds.length) out.push({ group: 'facility', facility, kinds, required: FACILITIES[facility].required });
    }
  }
  return out;
}

export function coverage(input: CoverageInput): Coverage {
  const b = input.building;
  const window = input.liveWindowMs ?? DEFAULT_LIVE_WINDOW_MS;
  const own = input.meters.filter((m) => m.building === b.id);
  // A main meter measures the whole building, so it meters a zone only where the building has one zone.
  const singleZone = b.zones.length === 1;
  const isLive = (id: string) => {
    const seen = input.lastSeen[id];
    return seen !== undefined && input.now - seen <= window;
  };

  const points: MeteringPoint[] = requiredPoints(b).map((p) => {
    const meters = own.filter((m) => p.kinds.includes(m.kind) && (p.group === 'zone'
      ? m.zone === p.zone && (m.role !== 'main' || singleZone)
      : m.facility === p.facility)).map((m) => m.id);
    const live = meters.filter(isLive);
    const what = `${p.kinds.map((k) => ENERGY_KINDS[k].en.toLowerCase()).join(' or ')} for ${p.group === 'zone' ? `the ${ZONES[p.zone!].en.toLowerCase()} zone (${ZONES[p.zone!].zh})` : `the ${FACILITIES[p.facility!].en.toLowerCase()} (${FACILITIES[p.facility!].zh})`}`;
    if (!meters.length) return { ...p, meters, live, status: 'missing', reason: `no meter assigned: ${what}` };
    if (!live.length) return { ...p, meters, live, status: 'silent', reason: `not heard from within ${Math.round(window / 60_000)} min: ${meters.join(', ')} (${what})` };
    return { ...p, meters, live, status: 'live' };
  });

  const rate = (group: MeteringPoint['group']): CoverageRate => {
    const counted = points.filter((p) => p.group === group && p.required);
    const equipped = counted.filter((p) => p.status !== 'missing').length;
    const live = counted.filter((p) => p.status === 'live').length;
    const of = (n: number): Measure => ({ value: counted.length ? n / counted.length : null, unit: '1' });
    return { required: counted.length, equipped, live, rate: of(equipped), liveRate: of(live) };
  };
  return { building: b.id, zone: rate('zone'), facility: rate('facility'), points };
}

/** Energy balance of each parent meter against the sum of its direct sub-meters over one period. */
export function energyBalance(meters: readonly Pick<ManifestMeter, 'id' | 'parent' | 'kind'>[], usage: Readonly<Record<string, number>>): BalanceRow[] {
  const out: BalanceRow[] = [];
  for (const parent of meters) {
    const children = meters.filter((m) => m.parent === parent.id && m.kind === parent.kind);
    const p = usage[parent.id];
    if (!children.length || p === undefined) continue;
    const withData = children.filter((c) => usage[c.id] !== undefined);
    const sum = withData.reduce((s, c) => s + usage[c.id]!, 0);
    const unit = ENERGY_KINDS[parent.kind].unit;
    out.push({
      parent: parent.id, parentUsage: p, childrenUsage: sum, children: children.map((c) => c.id),
      childrenWithoutData: children.filter((c) => usage[c.id] === undefined).map((c) => c.id),
      unmetered: { value: p - sum, unit },
      unmeteredShare: { value: p > 0 ? (p - sum) / p : null, unit: '1' },
    });
  }
  return out;
}
