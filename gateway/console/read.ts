import { z } from 'zod';
import { Id, ZmError } from '../../core/index.ts';
import type { GatewayConfig, MeterConfig } from '../config.ts';
import { findModel } from '../models/index.ts';
import { classifyFailure, describeFailure } from '../poll/failures.ts';
import type { Poller } from '../poll/index.ts';
import { meterRequests, readPlan } from '../poll/meter-plan.ts';
import { buildReading } from '../poll/reading.ts';
import type { Exchange } from '../protocols/exchange.ts';
import { serialReader } from '../protocols/readers.ts';
import { findProtocolModel } from '../protocols/registry.ts';
import { LOAN_BUDGET_MS, budgetedFrames, budgetedModbus } from './line.ts';
import type { Scanner } from './scan.ts';

export const ReadRequestSchema = z.union([
  z.object({ meter: Id }).strict(),
  // A Modbus unit a scan found, not in the config yet.
  z.object({ bus: Id, unitId: z.number().int().min(1, 'expected integer 1–247').max(247, 'expected integer 1–247'), model: z.string().min(1).max(64) }).strict(),
]);
export type ReadRequest = z.infer<typeof ReadRequestSchema>;

/** Below this, a transaction's timeout would fail meters that are only a little slow. */
const MIN_TIMEOUT_MS = 50;

/**
 * One read of one meter through the line's schedule (one loan), with every transaction's bytes.
 * Its timeout is the meter's, cut so that all its transactions fit in the pause a line in use may
 * take; a meter needing more transactions than fit is refused with the figures.
 */
export async function readOnce(req: ReadRequest, config: GatewayConfig, poller: Pick<Poller, 'line'>, scanner: Scanner, now: () => number): Promise<object> {
  let meter: MeterConfig;
  if ('meter' in req) {
    const m = config.meters.find((x) => x.id === req.meter);
    if (!m) throw new ZmError('ERR_NOT_FOUND', `meter: no meter "${req.meter}"`);
    meter = m;
  } else {
    if (!findModel(req.model)) throw new ZmError('ERR_BAD_REQUEST', `model: unknown Modbus model "${req.model}" (see \`zonemeter gateway models\`)`);
    meter = { id: `${req.model.toLowerCase()}-${req.unitId}`, bus: req.bus, unitId: req.unitId, model: req.model, protocol: 'modbus', ct: 1, pt: 1 } as MeterConfig;
  }
  const bus = config.buses.find((b) => b.id === meter.bus);
  if (!bus) throw new ZmError('ERR_NOT_FOUND', `bus: no bus "${meter.bus}"`);
  if (bus.type === 'mqtt') throw new ZmError('ERR_CONFLICT', `meter ${meter.id} publishes over MQTT by itself: its last values are on the status page, there is nothing to ask`);
  const line = poller.line(bus.id);
  if (!line) throw new ZmError('ERR_CONFLICT', `bus ${bus.id} is not polled by this gateway (no meters on it): read its meters with \`zonemeter gateway read\``);
  if (meter.protocol === 'mbus') throw new ZmError('ERR_CONFLICT', `meter ${meter.id} is on an M-Bus line: an M-Bus read can take longer than the ${LOAN_BUDGET_MS} ms a line in use may pause; its last values are on the status page`);

  const transactions = meter.protocol === 'modbus' ? meterRequests(meter).length
    : meter.protocol === 'dlt645' ? (findProtocolModel('dlt645', meter.model) as { items: unknown[] } | undefined)?.items.length ?? 1 : 1;
  const configured = meter.timeoutMs ?? bus.timeoutMs;
  const timeoutMs = Math.min(configured, Math.floor(LOAN_BUDGET_MS / transactions));
  if (timeoutMs < MIN_TIMEOUT_MS) {
    throw new ZmError('ERR_CONFLICT', `reading meter ${meter.id} takes ${transactions} transactions: even at ${MIN_TIMEOUT_MS} ms each they could hold bus ${bus.id} longer than the ${LOAN_BUDGET_MS} ms a line in use may pause; its last values are on the status page`);
  }
  const release = scanner.hold(bus.id, `a read of meter ${meter.id}`);
  const raw: { what: string; request?: string; response: string }[] = [];
  const t0 = performance.now();
  try {
    const result = await line.lend(LOAN_BUDGET_MS, () => {
      if (line.kind === 'modbus') {
        const link = budgetedModbus(line.link, LOAN_BUDGET_MS, (r) => raw.push({ what: `fc=${String(r.fc).padStart(2, '0')} start=${r.address} count=${r.count}`, response: r.data }));
        return readPlan(link, meter.unitId ?? 1, meterRequests(meter), timeoutMs, now);
      }
      const reader = serialReader(meter as MeterConfig & { protocol: 'dlt645' | 'cjt188' }, budgetedFrames(line.link, LOAN_BUDGET_MS), {
        clock: now, onExchange: (e: Exchange) => raw.push({ what: e.what, request: e.request.toString('hex'), response: e.response.toString('hex') }),
      });
      return reader(timeoutMs);
    });
    const reading = buildReading(meter.id, result.ts, result.values, meter, new Map());
    return {
      meter: meter.id, bus: bus.id, model: meter.model, ok: true, ts: reading.ts, values: reading.values, quality: reading.quality ?? {},
      raw, timeout_ms: timeoutMs, paused_ms: Math.round(performance.now() - t0),
    };
  } catch (err) {
    return {
      meter: meter.id, bus: bus.id, model: meter.model, ok: false, error: describeFailure(err), error_class: classifyFailure(err),
      raw, timeout_ms: timeoutMs, paused_ms: Math.round(performance.now() - t0),
    };
  } finally {
    release();
  }
}
