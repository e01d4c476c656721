import type { MeasurementKey } from '../../../core/index.ts';
import type { FrameLink } from '../../drivers/frame-link.ts';
import { MBUS_MODELS, type MbusModel } from '../../models/mbus.ts';
import type { ReadMeter } from '../../poll/read-meter.ts';
import type { ExchangeSink } from '../exchange.ts';
import { MbusError } from './errors.ts';
import { describeTarget, readout, type MbusTarget } from './master.ts';
import { mapRecords } from './measurements.ts';

export interface MbusMeter {
  model: string;
  /** Primary address 1–250, as the config writes it. */
  address?: string | undefined;
  /** 8-digit identification number; selected through FDH when given. */
  secondary?: string | undefined;
}

export function findMbusModel(name: string): MbusModel | undefined {
  const n = name.toLowerCase();
  return MBUS_MODELS.find((m) => m.name.toLowerCase() === n);
}

export function mbusTarget(m: { address?: string | undefined; secondary?: string | undefined }): MbusTarget {
  if (m.secondary !== undefined) return { secondary: m.secondary };
  const primary = Number(m.address);
  if (!Number.isInteger(primary) || primary < 1 || primary > 250) {
    throw new MbusError('ERR_MBUS_HEADER', `an M-Bus meter needs a primary address 1–250 or an 8-digit secondary address, got "${m.address ?? ''}"`, 'permanent');
  }
  return { primary };
}

/**
 * EN 13757-3 6.5 status byte: bit 2 power low, bit 3 permanent error, bit 4 temporary error
 * (bits 0–1 are the application status, reported by CI 70H instead).
 */
export function statusAlarms(status: number): string[] {
  const out: string[] = [];
  if (status & 0x04) out.push('battery_low');
  if (status & 0x08) out.push('permanent_error');
  if (status & 0x10) out.push('temporary_error');
  return out;
}

/** The reader of one M-Bus meter: a complete (multi-telegram) readout per read, mapped by its model. */
export function mbusReader(
  meter: MbusMeter,
  link: FrameLink,
  opts: { clock: () => number; onExchange?: ExchangeSink | undefined; onUnsupported?: (what: string, reason: string) => void },
): ReadMeter {
  const model = findMbusModel(meter.model);
  if (!model) throw new Error(`unknown M-Bus model "${meter.model}"`);
  const target = mbusTarget(meter);
  // Told once per measurement whose record cannot be used (its unit, a non-BCD digit…).
  const told = new Set<string>();
  return async (timeoutMs) => {
    const r = await readout(link, target, { timeoutMs, onExchange: opts.onExchange });
    const ts = opts.clock();
    const mapped = mapRecords(r.records, model.items);
    for (const p of mapped.problems) {
      const key = p.split(':')[0]!;
      if (!told.has(key)) { told.add(key); opts.onUnsupported?.(key, p); }
    }
    if (Object.keys(mapped.values).length === 0) {
      const kinds = [...new Set(r.records.map((x) => x.quantity))].join(', ');
      // The same telegram will come again: this meter is not of this model.
      throw new MbusError('ERR_MBUS_RECORD', `M-Bus meter at ${describeTarget(target)} sent none of model ${model.name}'s records (it sent: ${kinds || 'no records'})`, 'permanent');
    }
    return { values: mapped.values as Partial<Record<MeasurementKey, number>>, ts, alarms: statusAlarms(r.telegrams[0]!.header.status) };
  };
}
