import type { IndicatorProgress } from '../../core/api.ts';
import { INDICATOR_KEYS, type Plan } from '../registry/plans.ts';
import type { IndicatorSet } from './intensity.ts';

/** d = (I_base − I_now) / I_base: positive when the indicator fell. */
export function decline(base: number, now: number): number {
  if (!(base > 0)) throw new RangeError(`a base value must be positive to measure a decline (got ${base})`);
  return (base - now) / base;
}

/** Share of the target achieved: d / T (4.79% against 5% is 0.958). */
export function achievedShare(d: number, target: number): number {
  if (!(target > 0)) throw new RangeError(`a target decline must be positive (got ${target})`);
  return d / target;
}

/**
 * The decline r needed in each remaining year: (1 − d)(1 − r)^n = 1 − T, so
 * r = 1 − ((1 − T) / (1 − d))^(1/n), where
 *   T = the plan's total target decline from the base year to the target year (0.05 for −5%),
 *   d = the decline achieved so far, from the base year to the year of the current value,
 *   n = whole years left until the target year (target year − current year).
 * r ≤ 0 means the target is already met with room to spare. null when no year is left or the
 * indicator has fallen to zero or below.
 */
export function requiredYearlyDecline(target: number, d: number, yearsLeft: number): number | null {
  if (!(yearsLeft > 0) || !(d < 1)) return null;
  return 1 - ((1 - target) / (1 - d)) ** (1 / yearsLeft);
}

export type { IndicatorProgress };

/**
 * Progress of each indicator the plan targets, comparing `now` (the year `year`, or its first months)
 * with `base` (the plan's base year over the same months). Unrounded throughout.
 */
export function planProgress(plan: Plan, base: IndicatorSet, now: IndicatorSet, year: number): IndicatorProgress[] {
  const out: IndicatorProgress[] = [];
  const yearsLeft = plan.targetYear - year;
  for (const key of INDICATOR_KEYS) {
    const target = plan.targets[key];
    if (target === undefined) continue;
    const b = base[key].value;
    const n = now[key].value;
    const d = b !== null && n !== null && b > 0 ? decline(b, n) : null;
    // Say which period is missing: a decline against an incomplete year would be a number to file.
    const why = n === null && now[key].reason ? `now_${now[key].reason}` : b === null && base[key].reason ? `base_${base[key].reason}` : undefined;
    const nul = (unit: string) => (why ? { value: null, unit, reason: why } : { value: null, unit });
    out.push({
      indicator: key,
      plan: plan.id,
      baseYear: plan.baseYear,
      targetYear: plan.targetYear,
      base: base[key],
      now: now[key],
      decline: d === null ? nul('1') : { value: d, unit: '1' },
      target: { value: target, unit: '1' },
      achieved: d === null ? nul('1') : { value: achievedShare(d, target), unit: '1' },
      yearsLeft,
      requiredYearlyDecline: d === null ? nul('1/year') : { value: requiredYearlyDecline(target, d, yearsLeft), unit: '1/year' },
    });
  }
  return out;
}
