import type { BuildingFault, FaultSpec } from './schema.ts';

/** A scheduled fault placed in time: [from, to), `to` Infinity for one that stays. */
export interface FaultWindow {
  meter: string;
  fault: BuildingFault;
  from: number;
  to: number;
}

/** The site's scheduled faults on a run's clock: `atMin` and `forMin` counted from `start` (ms). */
export function faultWindows(specs: readonly FaultSpec[], start: number): FaultWindow[] {
  return specs.map((f) => ({
    meter: f.meter, fault: f.fault, from: start + f.atMin * 60_000, to: f.forMin === undefined ? Infinity : start + (f.atMin + f.forMin) * 60_000,
  }));
}
