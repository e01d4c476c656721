import { MAX_BATCH_READINGS, type Reading, type Replacement } from '../../core/index.ts';
import { siteManifest } from '../building/manifest.ts';
import { BuildingModel } from '../building/model.ts';
import type { Site } from '../building/schema.ts';
import type { FaultWindow } from '../building/fault-windows.ts';
import { series } from '../building/series.ts';
import { TruthTotals, TruthWriter } from '../building/truth.ts';
import { BatchUplink } from './uplink.ts';

export interface BackfillOptions {
  site: Site;
  from: number;
  to: number;
  stepMs?: number;
  coarseStepMs?: number;
  coarseBefore?: number;
  ingestor?: { url: string; username?: string; password?: string };
  truthFile?: string;
  /** JSON of the truth summed per meter and local month, written when the run ends. */
  truthTotalsFile?: string;
  batchReadings?: number;
  window?: number;
  onProgress?: (p: BackfillProgress) => void;
  /** Faults over the run (see series()): a leak, a load left on, a silent meter or link. */
  faults?: readonly FaultWindow[];
  /** Stops early (between batches) when aborted. */
  signal?: AbortSignal;
}

export interface BackfillProgress {
  readings: number;
  batches: number;
  /** Simulated time reached, ms since the epoch. */
  at: number;
  elapsedMs: number;
  /** Readings per second so far. */
  rate: number;
  done: boolean;
}

/**
 * History from the load model, published through the ingestor's own write path as gateway
 * batches. Readings are streamed: at most `window` batches are held in memory.
 */
export async function runBackfill(opts: BackfillOptions): Promise<BackfillProgress> {
  const model = new BuildingModel(opts.site);
  const size = Math.min(opts.batchReadings ?? MAX_BATCH_READINGS, MAX_BATCH_READINGS);
  const started = Date.now();
  const uplink = opts.ingestor && new BatchUplink({
    ...opts.ingestor, site: opts.site.site, gateway: opts.site.gateway, window: opts.window ?? 4,
  });
  const truth = opts.truthFile ? new TruthWriter(opts.truthFile) : undefined;
  const totals = opts.truthTotalsFile ? new TruthTotals(opts.truthTotalsFile, opts.site.utcOffsetHours) : undefined;
  const replacements: Replacement[] = [];
  let pending: Reading[] = [];
  const progress: BackfillProgress = { readings: 0, batches: 0, at: opts.from, elapsedMs: 0, rate: 0, done: false };
  const report = () => {
    progress.elapsedMs = Date.now() - started;
    progress.rate = progress.readings / Math.max(progress.elapsedMs / 1000, 1e-3);
    opts.onProgress?.({ ...progress });
  };
  const flush = async () => {
    if (pending.length === 0) return;
    const out = pending;
    pending = [];
    if (uplink) await uplink.send(out);
    progress.readings += out.length;
    progress.batches++;
    if (progress.batches % 20 === 0) report();
  };
  try {
    if (uplink) {
      await uplink.connect();
      // The whole history's replacements travel in the manifest, which the ingestor reads first.
      await uplink.manifest(siteManifest(model, replacementsUpTo(model, opts.to)));
    }
    for (const step of series(model, { from: opts.from, to: opts.to, stepMs: opts.stepMs ?? 900_000, coarseStepMs: opts.coarseStepMs, coarseBefore: opts.coarseBefore, faults: opts.faults })) {
      if (opts.signal?.aborted) break;
      replacements.push(...step.replacements);
      pending.push(...step.readings);
      progress.at = step.ts;
      await truth?.write(step.truth);
      totals?.add(step.truth);
      if (pending.length >= size) {
        const rest = pending.splice(size);
        await flush();
        pending = rest;
      }
    }
    await flush();
    await uplink?.drain();
    progress.done = !opts.signal?.aborted;
    report();
    return progress;
  } finally {
    await uplink?.close();
    await truth?.close();
    totals?.close();
  }
}

function replacementsUpTo(model: BuildingModel, to: number): Replacement[] {
  return model.site.replacements.length === 0 ? [] : collect(model, to);
}

function collect(model: BuildingModel, to: number): Replacement[] {
  let out: Replacement[] = [];
  // One coarse pass over the history: a replacement's old_final depends on everything before it.
  for (const s of series(model, { from: model.origin, to, stepMs: 24 * 3_600_000 })) out = out.concat(s.replacements);
  return out;
}
