import { z } from 'zod';
import { Id } from '../../core/index.ts';

// Energy carriers a factor can apply to: the metered kinds plus the fuels GB/T 2589-2020 lists
// that sites report from invoices.
export const CARRIERS = ['electricity', 'water', 'gas', 'heat', 'cooling', 'diesel', 'gasoline', 'lpg', 'raw_coal'] as const;
export type Carrier = (typeof CARRIERS)[number];

/** Unit each carrier's quantity is given in: the kinds' units from core, kg for fuels. */
export const CARRIER_UNITS: Record<Carrier, string> = {
  electricity: 'kWh', water: 'm³', gas: 'm³', heat: 'kWh', cooling: 'kWh',
  diesel: 'kg', gasoline: 'kg', lpg: 'kg', raw_coal: 'kg',
};

export const GRID_REGIONS = ['national', 'north', 'north_east', 'east', 'central', 'north_west', 'south', 'south_west'] as const;
export type GridRegion = (typeof GRID_REGIONS)[number];

/** coal: standard-coal coefficient (kgce per unit); co2: emission factor (kgCO₂ per unit). */
export type FactorType = 'coal' | 'co2';

export const FactorSchema = z.object({
  id: Id,
  type: z.enum(['coal', 'co2']),
  carrier: z.enum(CARRIERS),
  value: z.number().positive(),
  /** Data year the value describes. */
  year: z.number().int().min(1990).max(2100),
  region: z.enum(GRID_REGIONS).default('national'),
  source: z.string().min(1),
});
export type Factor = z.infer<typeof FactorSchema>;

export const factorUnit = (f: Pick<Factor, 'type' | 'carrier'>) => `${f.type === 'coal' ? 'kgce' : 'kgCO2'}/${CARRIER_UNITS[f.carrier]}`;

const GBT2589 = 'GB/T 2589-2020 综合能耗计算通则, 附录 (当量值)';
const MEE = (year: number) => `MEE/NBS grid average CO2 emission factor, data year ${year}`;
const HEAT_CO2 = 'Chinese GHG accounting guidelines, default for purchased heat: 0.11 tCO2/GJ';
const GAS_CO2 = 'natural gas combustion, about 2.162 kgCO2/m³; replace with the provincial value where one is published';

// 1 kWh = 3.6 MJ = 0.0036 GJ, so a per-GJ value × 0.0036 is per kWh of heat:
// 34.12 kgce/GJ × 0.0036 = 0.122832 kgce/kWh; 0.11 tCO₂/GJ = 110 kgCO₂/GJ × 0.0036 = 0.396 kgCO₂/kWh.
export const GJ_PER_KWH = 0.0036;
const HEAT_KGCE_PER_GJ = 34.12;
const HEAT_KGCO2_PER_GJ = 110;

const coal = (carrier: Carrier, value: number): Factor => ({ id: `gbt2589-2020-${carrier}`, type: 'coal', carrier, value, year: 2020, region: 'national', source: GBT2589 });
const grid = (year: number, region: GridRegion, value: number, source: string): Factor => ({
  id: `grid-${year}-${region}`, type: 'co2', carrier: 'electricity', value, year, region, source,
});

/** The defaults of the design, exactly; every entry names its source, year and region. */
export const DEFAULT_FACTORS: readonly Factor[] = Object.freeze([
  coal('electricity', 0.1229),
  coal('heat', HEAT_KGCE_PER_GJ * GJ_PER_KWH),
  coal('gas', 1.2143),
  coal('diesel', 1.4571),
  coal('gasoline', 1.4714),
  coal('lpg', 1.7143),
  coal('raw_coal', 0.7143),
  // The MEE/NBS series begins with data year 2021 (公告2024年第12号), so a 2020 base year takes 2021's
  // value, flagged later_year. The power-sector reporting notices' figures (0.5703 for 2022) use
  // another method and are not mixed into this series.
  grid(2021, 'national', 0.5568, MEE(2021)),
  grid(2022, 'national', 0.5366, MEE(2022)),
  grid(2023, 'national', 0.5306, MEE(2023)),
  grid(2023, 'north', 0.6361, MEE(2023)),
  grid(2023, 'north_east', 0.5122, MEE(2023)),
  grid(2023, 'east', 0.55, MEE(2023)),
  grid(2023, 'central', 0.5271, MEE(2023)),
  grid(2023, 'north_west', 0.5543, MEE(2023)),
  grid(2023, 'south', 0.4042, MEE(2023)),
  grid(2023, 'south_west', 0.2472, MEE(2023)),
  { id: 'heat-co2-011', type: 'co2', carrier: 'heat', value: HEAT_KGCO2_PER_GJ * GJ_PER_KWH, year: 2020, region: 'national', source: HEAT_CO2 },
  { id: 'gas-co2-2162', type: 'co2', carrier: 'gas', value: 2.162, year: 2020, region: 'national', source: GAS_CO2 },
]);

/** The defaults with user entries on top: a user entry replaces a default of the same type, carrier, year and region. */
export function factorTable(overrides: readonly Factor[] = []): Factor[] {
  const key = (f: Factor) => `${f.type}|${f.carrier}|${f.year}|${f.region}`;
  const byKey = new Map(DEFAULT_FACTORS.map((f) => [key(f), f]));
  for (const f of overrides) byKey.set(key(f), f);
  return [...byKey.values()];
}

export interface FactorChoice {
  factor: Factor;
  /** How the vintage was reached, for the report: exact, earlier year, national fallback, later year, or pinned. */
  via: 'exact' | 'earlier_year' | 'national' | 'later_year' | 'pinned';
}

/**
 * Picks the vintage for a year and region. Order: a pinned id (a closed period keeps the vintage it was
 * computed with); the region's entry for the year or the nearest earlier year; the same from
 * the national entries; failing both, the earliest later year (regional first), flagged as such.
 */
export function selectFactor(table: readonly Factor[], type: FactorType, carrier: Carrier, year: number, region: GridRegion = 'national', pinned?: string): FactorChoice | undefined {
  const candidates = table.filter((f) => f.type === type && f.carrier === carrier);
  if (pinned !== undefined) {
    const f = candidates.find((c) => c.id === pinned);
    return f && { factor: f, via: 'pinned' };
  }
  const inRegion = (r: GridRegion) => candidates.filter((f) => f.region === r);
  const earlier = (list: Factor[]) => list.filter((f) => f.year <= year).sort((a, b) => b.year - a.year)[0];
  const later = (list: Factor[]) => list.filter((f) => f.year > year).sort((a, b) => a.year - b.year)[0];
  const own = earlier(inRegion(region));
  if (own) return { factor: own, via: own.year === year ? 'exact' : 'earlier_year' };
  if (region !== 'national') {
    const nat = earlier(inRegion('national'));
    if (nat) return { factor: nat, via: 'national' };
  }
  const next = later(inRegion(region)) ?? later(inRegion('national'));
  return next && { factor: next, via: 'later_year' };
}
