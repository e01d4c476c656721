import { z } from 'zod';
import { Id, ZmError } from '../../core/index.ts';
import type { BusConfig, GatewayConfig } from '../config.ts';
import { createBusLink, parseUnitIds, targetOf } from '../drivers/index.ts';
import { createFrameLink } from '../drivers/frame-link.ts';
import { describeFailure } from '../poll/failures.ts';
import { guessUnitModels, probeUnit } from '../poll/identify.ts';
import type { Poller } from '../poll/index.ts';
import { findAlone, probeAddresses } from '../protocols/commission.ts';
import { LOAN_BUDGET_MS, budgetedFrames, budgetedModbus } from './line.ts';

export const ScanRequestSchema = z.object({
  bus: Id,
  /** Modbus unit ids, as `gateway scan --ids` takes them. */
  ids: z.string().max(200).optional(),
  /** DL/T 645 / CJ/T 188 nameplate addresses to ask on a shared line. */
  addresses: z.array(z.string().regex(/^\d{1,14}$/, 'expected the nameplate address (digits)')).max(64).optional(),
  /** Per transaction; two of them (FC 04, then 03) must fit in the pause a line in use may take. */
  timeoutMs: z.number().int().min(20).max(LOAN_BUDGET_MS / 2, `at most ${LOAN_BUDGET_MS / 2} ms: two probes must fit in the ${LOAN_BUDGET_MS} ms a line in use may pause`).default(200),
}).strict();
export type ScanRequest = z.infer<typeof ScanRequestSchema>;

export interface ScanJob {
  id: string;
  bus: string;
  protocol: string;
  state: 'running' | 'done' | 'failed';
  /** Addresses to ask, and asked so far. */
  total: number;
  done: number;
  hits: { address: string; answer: string; models?: string[]; detail?: string }[];
  error: string | null;
  /** Whether the line was in use (lent by its schedule a step at a time) or free. */
  shared: boolean;
  started: number;
  finished: number | null;
}

/** Kept for the page to poll; the oldest finished go first. */
const MAX_JOBS = 8;

type LineBus = Exclude<BusConfig, { type: 'mqtt' }>;

export interface Scanner {
  start(req: ScanRequest): ScanJob;
  job(id: string): ScanJob | undefined;
  /** A bus a console action holds now, so a second one is refused instead of queued. */
  busy(bus: string): string | null;
  hold(bus: string, what: string): () => void;
}

export function createScanner(config: GatewayConfig, poller: Pick<Poller, 'line'>, now: () => number): Scanner {
  const jobs = new Map<string, ScanJob>();
  const holding = new Map<string, string>();
  let seq = 0;

  const hold = (bus: string, what: string) => {
    const other = holding.get(bus);
    if (other) throw new ZmError('ERR_CONFLICT', `bus ${bus} is busy: ${other} is running; wait for it to finish`);
    holding.set(bus, what);
    return () => holding.delete(bus);
  };

  const keep = (job: ScanJob) => {
    jobs.set(job.id, job);
    for (const [id, j] of jobs) {
      if (jobs.size <= MAX_JOBS) break;
      if (j.state !== 'running') jobs.delete(id);
    }
  };

  return {
    job: (id) => jobs.get(id),
    busy: (bus) => holding.get(bus) ?? null,
    hold,
    start(req) {
      const bus = config.buses.find((b) => b.id === req.bus);
      if (!bus) throw new ZmError('ERR_NOT_FOUND', `bus: no bus "${req.bus}" (${config.buses.map((b) => b.id).join(', ')})`);
      if (bus.type === 'mqtt') throw new ZmError('ERR_CONFLICT', `bus ${bus.id} is MQTT: its meters publish by themselves, there is no line to scan`);
      const meters = config.meters.filter((m) => m.bus === bus.id);
      const protocol = meters[0]?.protocol ?? 'modbus';
      const line = poller.line(bus.id);
      let addresses: string[];
      if (protocol === 'modbus') {
        if (req.addresses) throw new ZmError('ERR_BAD_REQUEST', 'addresses: a Modbus line is scanned by unit ids (ids)');
        try {
          addresses = parseUnitIds(req.ids ?? '1-247').map(String);
        } catch (err) {
          throw new ZmError('ERR_BAD_REQUEST', `ids: ${(err as Error).message.replace(/^--ids: /, '')}`);
        }
      } else if (protocol === 'dlt645' || protocol === 'cjt188') {
        if (req.ids) throw new ZmError('ERR_BAD_REQUEST', `ids: ${protocol} meters are found by their nameplate addresses (addresses)`);
        addresses = req.addresses ?? [];
        // The read-address command goes to the wildcard address: every meter on the line answers at once.
        if (addresses.length === 0 && line) {
          throw new ZmError('ERR_CONFLICT', `bus ${bus.id} is in use by ${meters.length} meter(s): the read-address command would make them all answer at once and disturb the line; give the nameplate addresses to ask`);
        }
      } else {
        throw new ZmError('ERR_CONFLICT', `bus ${bus.id} is an M-Bus line: scan it with \`zonemeter gateway scan --protocol mbus\` while the gateway is stopped (a secondary-address search holds the line for minutes)`);
      }
      const release = hold(bus.id, `a scan of bus ${bus.id}`);
      const job: ScanJob = {
        id: `scan-${++seq}`, bus: bus.id, protocol, state: 'running', total: Math.max(1, addresses.length), done: 0, hits: [],
        error: null, shared: line !== undefined, started: now(), finished: null,
      };
      keep(job);
      void run(bus, protocol, addresses, req.timeoutMs, job, line).then(
        () => { job.state = 'done'; },
        (err: unknown) => { job.state = 'failed'; job.error = describeFailure(err); },
      ).finally(() => {
        job.finished = now();
        release();
      });
      return job;
    },
  };
}

/**
 * One address per loan of the line (or on a link of its own when nothing polls the bus), so the
 * schedule runs between two probes and is never paused longer than LOAN_BUDGET_MS.
 */
async function run(bus: LineBus, protocol: string, addresses: string[], timeoutMs: number, job: ScanJob, line: ReturnType<Poller['line']>): Promise<void> {
  const opts = { connectTimeoutMs: Math.max(timeoutMs, 2000), reconnectDelayMs: 0 };
  if (protocol === 'modbus') {
    const own = line ? null : createBusLink(bus, opts);
    const link = line?.kind === 'modbus' ? line.link : own!;
    const lend = line?.lend ?? (<T>(_ms: number, fn: () => Promise<T>) => fn());
    try {
      for (const a of addresses) {
        const unitId = Number(a);
        await lend(LOAN_BUDGET_MS, async () => {
          const l = budgetedModbus(link, LOAN_BUDGET_MS);
          const answer = await probeUnit(l, unitId, timeoutMs);
          if (answer) job.hits.push({ address: a, answer, models: await guessUnitModels(l, unitId, timeoutMs) });
        });
        job.done++;
      }
    } finally {
      await own?.close();
    }
    return;
  }
  const p = protocol as 'dlt645' | 'cjt188';
  const own = line ? null : createFrameLink(targetOf(bus) as Exclude<ReturnType<typeof targetOf>, { type: 'tcp' }>, opts);
  const link = line?.kind === 'frame' ? line.link : own!;
  const lend = line?.lend ?? (<T>(_ms: number, fn: () => Promise<T>) => fn());
  try {
    if (addresses.length === 0) {
      const hit = await lend(LOAN_BUDGET_MS, () => findAlone(p, budgetedFrames(link, LOAN_BUDGET_MS), { timeoutMs }));
      if (hit) job.hits.push({ address: hit.address, answer: hit.answer, ...(hit.detail ? { detail: hit.detail } : {}) });
      job.done++;
      return;
    }
    for (const a of addresses) {
      const hits = await lend(LOAN_BUDGET_MS, () => probeAddresses(p, budgetedFrames(link, LOAN_BUDGET_MS), [a], { timeoutMs }));
      for (const h of hits) job.hits.push({ address: h.address, answer: h.answer, ...(h.detail ? { detail: h.detail } : {}) });
      job.done++;
    }
  } finally {
    await own?.close();
  }
}
