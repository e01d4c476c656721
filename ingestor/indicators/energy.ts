import type { Measure } from '../../core/api.ts';
import { CARRIERS, CARRIER_UNITS, DEFAULT_FACTORS, factorTable, factorUnit, selectFactor, type Carrier, type Factor, type FactorChoice, type FactorType, type GridRegion } from '../registry/factors.ts';

/** A number with its unit, as the API answers it (core/api-reports.ts). */
export type { Measure };

/** Quantities per carrier in the carrier's unit (kWh, m³, kg): see CARRIER_UNITS. */
export type Quantities = Partial<Record<Carrier, number>>;

/** Pinned vintages by `${type}:${carrier}`, e.g. { 'co2:electricity': 'grid-2023-east' }. */
export type FactorPins = Partial<Record<`${FactorType}:${Carrier}`, string>>;

export interface FactorContext {
  factors: readonly Factor[];
  /** Data year the quantities belong to. */
  year: number;
  region: GridRegion;
  pins?: FactorPins;
}

/**
 * The factor context of a data year. A closed year pins the vintages it was reported with, even
 * where the registry has since replaced one, so its figures stay what was filed.
 */
export function yearContext(overrides: readonly Factor[], site: { gridRegion: GridRegion; closedYears: readonly { year: number; factors: readonly string[] }[] }, year: number): FactorContext {
  const table = factorTable(overrides);
  const closed = site.closedYears.find((c) => c.year === year);
  if (!closed) return { factors: table, year, region: site.gridRegion };
  const byId = new Map([...DEFAULT_FACTORS, ...overrides].map((f) => [f.id, f]));
  const pins: FactorPins = {};
  const extra: Factor[] = [];
  for (const id of closed.factors) {
    const f = byId.get(id);
    if (!f) continue; // refused when the registry was read
    pins[`${f.type}:${f.carrier}`] = id;
    if (!table.includes(f)) extra.push(f);
  }
  return { factors: [...table, ...extra], year, region: site.gridRegion, pins };
}

/** A factor as used: the vintage id lets a closed period be recomputed with the same one. */
export interface FactorUse {
  id: string;
  type: FactorType;
  carrier: Carrier;
  value: number;
  unit: string;
  year: number;
  region: GridRegion;
  via: FactorChoice['via'];
}

export interface Totals {
  energy_kgce: Measure;
  co2_kg: Measure;
  water_m3: Measure;
  vintages: FactorUse[];
  /** Carriers with a quantity but no coefficient or factor: their part is left out, not guessed. */
  missing: { type: FactorType; carrier: Carrier }[];
}

/**
 * E_kgce = Σ quantity × standard-coal coefficient (GB/T 2589-2020 当量值) and CO₂ = Σ quantity × factor.
 * Water is a resource, not energy: it is summed on its own and has neither.
 */
export function totals(quantities: Quantities, ctx: FactorContext): Totals {
  let kgce = 0;
  let co2 = 0;
  const vintages: FactorUse[] = [];
  const missing: Totals['missing'] = [];
  for (const carrier of CARRIERS) {
    const q = quantities[carrier];
    if (q === undefined || carrier === 'water') continue;
    if (!Number.isFinite(q)) throw new RangeError(`quantity of ${carrier} is not a finite number`);
    for (const type of ['coal', 'co2'] as const) {
      const choice = selectFactor(ctx.factors, type, carrier, ctx.year, ctx.region, ctx.pins?.[`${type}:${carrier}`]);
      if (!choice) {
        if (q !== 0) missing.push({ type, carrier });
        continue;
      }
      const f = choice.factor;
      vintages.push({ id: f.id, type, carrier, value: f.value, unit: factorUnit(f), year: f.year, region: f.region, via: choice.via });
      if (type === 'coal') kgce += q * f.value;
      else co2 += q * f.value;
    }
  }
  return {
    energy_kgce: { value: kgce, unit: 'kgce' },
    co2_kg: { value: co2, unit: 'kgCO2' },
    water_m3: { value: quantities.water ?? 0, unit: CARRIER_UNITS.water },
    vintages,
    missing,
  };
}

/** Adds quantities carrier by carrier. */
export function addQuantities(...all: readonly Quantities[]): Quantities {
  const out: Quantities = {};
  for (const q of all) {
    for (const [carrier, v] of Object.entries(q) as [Carrier, number][]) out[carrier] = (out[carrier] ?? 0) + v;
  }
  return out;
}

/** a / b with units, or null when b is missing or not positive. */
export function ratio(a: Measure, b: Measure, unit: string): Measure {
  if (a.value === null || b.value === null || !(b.value > 0)) return { value: null, unit };
  return { value: a.value / b.value, unit };
}
