import { noise } from '../meter/random.ts';
import { isHoliday } from './holidays.ts';

export const PROFILE_NAMES = [
  'office', 'lighting', 'central_ac', 'canteen', 'data_center', 'base', 'water', 'canteen_water', 'heating',
] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** What a load shape needs to know about one local day. */
export interface DayInfo {
  /** Days since 1970-01-01 in site time. */
  day: number;
  working: boolean;
  /** 1–12 */
  month: number;
  /** Day of the month, 1–31. */
  date: number;
  year: number;
}

export function dayInfo(localDay: number): DayInfo {
  const d = new Date(localDay * DAY);
  const wd = d.getUTCDay();
  return { day: localDay, working: wd !== 0 && wd !== 6 && !isHoliday(localDay), month: d.getUTCMonth() + 1, date: d.getUTCDate(), year: d.getUTCFullYear() };
}

// Piecewise-linear day shapes, [local hour, factor]. Every breakpoint sits on a quarter hour, so
// the trapezoid rule on 15-minute intervals integrates them exactly.
type Curve = ReadonlyArray<readonly [number, number]>;
const OFFICE: Curve = [[0, 0.2], [7, 0.2], [9, 1], [12, 1], [12.5, 0.8], [13.5, 1], [17.5, 1], [19, 0.2], [24, 0.2]];
const LIGHTING: Curve = [[0, 0.12], [6.5, 0.12], [8.5, 0.9], [12, 0.9], [12.5, 0.6], [13.5, 0.9], [18, 0.9], [20, 0.12], [24, 0.12]];
// Chillers start before staff arrive and stop at the end of the day.
const COOLING: Curve = [[0, 0.05], [6.5, 0.05], [7.5, 0.9], [14, 1], [17.5, 0.9], [18.5, 0.05], [24, 0.05]];
// Breakfast, lunch and dinner services, with kitchen preparation before each.
const CANTEEN: Curve = [[0, 0.1], [6, 0.1], [7, 0.7], [8.5, 0.7], [9.25, 0.25], [10.5, 0.5], [11.5, 1], [13, 1], [13.75, 0.25],
  [16.5, 0.4], [17.25, 0.8], [18.5, 0.8], [19.5, 0.1], [24, 0.1]];
const CANTEEN_WEEKEND: Curve = [[0, 0.08], [10.5, 0.08], [11.5, 0.35], [13, 0.35], [13.75, 0.08], [24, 0.08]];
// Water follows occupancy: arrival, lunch and the afternoon; night flow is cisterns and leaks.
const WATER: Curve = [[0, 0.04], [7, 0.04], [8.5, 0.8], [11.5, 0.6], [12.5, 1], [13.5, 0.6], [17.5, 0.5], [18.5, 0.04], [24, 0.04]];
const HEATING: Curve = [[0, 0.75], [5, 0.75], [7, 1], [18, 1], [20, 0.8], [24, 0.75]];
const FLAT: Curve = [[0, 1], [24, 1]];

function curveAt(c: Curve, h: number): number {
  for (let i = 1; i < c.length; i++) {
    const [h1, v1] = c[i]!;
    if (h <= h1) {
      const [h0, v0] = c[i - 1]!;
      return v0 + ((v1 - v0) * (h - h0)) / (h1 - h0);
    }
  }
  return c[c.length - 1]![1];
}

/** Northern-China district heating runs 15 November to 15 March. */
export function inHeatingSeason(d: DayInfo): boolean {
  return d.month === 12 || d.month === 1 || d.month === 2 || (d.month === 11 && d.date >= 15) || (d.month === 3 && d.date <= 15);
}

// Cooling demand by month: peak in July/August, none in the heating months.
const COOLING_BY_MONTH = [0, 0.05, 0.05, 0.1, 0.2, 0.45, 0.85, 1, 1, 0.6, 0.2, 0.05, 0];
// Heat demand through the season, coldest in January.
const HEAT_BY_MONTH = [0, 1, 0.9, 0.6, 0, 0, 0, 0, 0, 0, 0, 0.6, 0.85];

/** The factor (0–1-ish) of profile `p` at local hour `h` (0–24) of day `d`, before day-to-day variation. */
export function shapeAt(p: ProfileName, d: DayInfo, h: number): number {
  switch (p) {
    case 'office': return d.working ? curveAt(OFFICE, h) : 0.2;
    case 'lighting': return d.working ? curveAt(LIGHTING, h) : 0.12;
    case 'central_ac': {
      const season = COOLING_BY_MONTH[d.month]!;
      return 0.04 + season * (d.working ? curveAt(COOLING, h) : 0.05);
    }
    case 'canteen': return curveAt(d.working ? CANTEEN : CANTEEN_WEEKEND, h);
    case 'canteen_water': return 0.6 * curveAt(d.working ? CANTEEN : CANTEEN_WEEKEND, h);
    case 'data_center': return 0.9 + 0.1 * curveAt(OFFICE, h);
    case 'base': return curveAt(FLAT, h);
    case 'water': return d.working ? curveAt(WATER, h) : 0.06;
    case 'heating': {
      if (!inHeatingSeason(d)) return 0;
      // Night set-back on working days; a lower steady flow over weekends and holidays.
      return HEAT_BY_MONTH[d.month]! * (d.working ? curveAt(HEATING, h) : 0.7);
    }
  }
}

/**
 * Day-to-day variation of one meter: ±6 % weather and occupancy noise, and a slow efficiency
 * trend of −1.2 %/year from 2020, so indicators against the 2020 baseline show a decline.
 * Constant over a local day, so a day's shape stays piecewise linear.
 */
export function dayFactor(seed: number, meterIndex: number, p: ProfileName, d: DayInfo): number {
  const trend = p === 'data_center' ? 1 + 0.04 * (d.year - 2020) : 1 - 0.012 * (d.year - 2020);
  return trend * (1 + 0.06 * noise(seed, meterIndex, d.day));
}

export { HOUR, DAY };
