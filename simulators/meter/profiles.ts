import type { EnergyKind } from '../../core/index.ts';
import type { Inputs } from './physics.ts';

const HOUR = 3_600_000;

/**
 * A working-day shape for a public building: base load at night, a ramp to full load by 09:00,
 * a dip at lunch, down to base by 19:00; base load all weekend. Returns 0–1. Local time is
 * UTC + `utcOffsetHours` (China Standard Time by default). Piecewise linear, so counters
 * integrate it exactly.
 */
export function officeDayShape(utcOffsetHours = 8, base = 0.25): (t: number) => number {
  const points: Array<[number, number]> = [[0, base], [7, base], [9, 1], [12, 1], [12.5, 0.8], [13.5, 1], [17, 1], [19, base], [24, base]];
  return (t) => {
    const local = t + utcOffsetHours * HOUR;
    const day = new Date(local).getUTCDay();
    if (day === 0 || day === 6) return base;
    const h = (local % (24 * HOUR)) / HOUR;
    for (let i = 1; i < points.length; i++) {
      const [h1, v1] = points[i]!;
      const [h0, v0] = points[i - 1]!;
      if (h <= h1) return v0 + ((v1 - v0) * (h - h0)) / (h1 - h0);
    }
    return base;
  };
}

/** Inputs that make a meter of `kind` look like one in a working office building. */
export function defaultInputs(kind: EnergyKind, peak?: number): Partial<Inputs> {
  const shape = officeDayShape();
  switch (kind) {
    case 'electricity': {
      const p = peak ?? 20;
      return { power_kw: (t) => p * shape(t) };
    }
    case 'water':
    case 'gas': {
      const f = peak ?? 1.5;
      return { flow_m3h: (t) => f * shape(t) };
    }
    case 'heat':
    case 'cooling':
      return { flow_m3h: peak ?? 3, ...(kind === 'cooling' ? { supply_temp_c: 7, return_temp_c: 12 } : {}) };
    case 'other':
      return {};
  }
}
