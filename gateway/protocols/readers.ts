import type { MeasurementKey } from '../../core/index.ts';
import type { FrameLink } from '../drivers/frame-link.ts';
import type { Cjt188Model, Dlt645Model } from '../models/index.ts';
import type { ReadMeter } from '../poll/read-meter.ts';
import { readDi } from './dlt645/client.ts';
import { diText } from './dlt645/frame.ts';
import { decodeItem } from './dlt645/values.ts';
import { readMetering } from './cjt188/client.ts';
import { layoutFor } from './cjt188/values.ts';
import { MeterErrorReply } from './errors.ts';
import type { ExchangeSink } from './exchange.ts';
import { SERIAL_PROTOCOLS, findProtocolModel, type SerialProtocolName } from './registry.ts';
import { mbusReader } from './mbus/reader.ts';

export interface SerialMeter {
  protocol: SerialProtocolName;
  model: string;
  address?: string | undefined;
  meterType?: number | undefined;
  preamble?: number | undefined;
  /** M-Bus: the 8-digit identification number, when the meter is read by secondary address. */
  secondary?: string | undefined;
}

export interface ReaderOptions {
  clock: () => number;
  onExchange?: ExchangeSink | undefined;
  /** Told once per identifier the meter says it does not have (error word bit 1). */
  onUnsupported?: (what: string, reason: string) => void;
}

/** The reader of one DL/T 645 or CJ/T 188 meter on `link`. */
export function serialReader(meter: SerialMeter, link: FrameLink, opts: ReaderOptions): ReadMeter {
  // M-Bus meters may have no primary address (secondary addressing) and read whole telegrams.
  if (meter.protocol === 'mbus') return mbusReader(meter, link, opts);
  const proto = SERIAL_PROTOCOLS[meter.protocol];
  const model = findProtocolModel(meter.protocol, meter.model);
  if (!model) throw new Error(`unknown ${proto.label} model "${meter.model}"`);
  if (!meter.address) throw new Error(`a ${proto.label} meter needs its address`);
  const preamble = meter.preamble ?? proto.preamble;
  return model.protocol === 'dlt645'
    ? dlt645Reader(model, meter.address, preamble, link, opts)
    : cjt188Reader(model, meter.address, meter.meterType ?? model.meterType, preamble, link, opts);
}

function dlt645Reader(model: Dlt645Model, address: string, preamble: number, link: FrameLink, opts: ReaderOptions): ReadMeter {
  // Identifiers this meter answered "no such data" for: asking again cannot succeed (error word
  // bit 1), so they are dropped for the life of the reader instead of costing a transaction each read.
  const unsupported = new Set<number>();
  return async (timeoutMs) => {
    const values: Partial<Record<MeasurementKey, number>> = {};
    let ts = opts.clock();
    let asked = 0;
    for (const item of model.items) {
      if (unsupported.has(item.di)) continue;
      asked++;
      try {
        const bytes = await readDi(link, address, item.di, { preamble, timeoutMs, onExchange: opts.onExchange });
        ts = opts.clock();
        values[item.measurement] = decodeItem(item, bytes);
      } catch (err) {
        if (err instanceof MeterErrorReply && err.failureClass === 'permanent' && (err.errorWord & 0b10)) {
          unsupported.add(item.di);
          opts.onUnsupported?.(`DI ${diText(item.di)} (${item.measurement})`, err.message);
          continue;
        }
        throw err;
      }
    }
    if (asked === 0 || Object.keys(values).length === 0) {
      throw new MeterErrorReply(`DL/T 645 meter ${address} has none of model ${model.name}'s identifiers`, 0b10, true);
    }
    return { values, ts };
  };
}

function cjt188Reader(model: Cjt188Model, address: string, meterType: number, preamble: number, link: FrameLink, opts: ReaderOptions): ReadMeter {
  let ser = 0;
  const layout = layoutFor(model.kind);
  return async (timeoutMs) => {
    ser = (ser + 1) & 0xff;
    const m = await readMetering(link, meterType, address, model.diOrder, ser, layout, { preamble, timeoutMs, onExchange: opts.onExchange }, model.unitFirst === true);
    const values: Partial<Record<MeasurementKey, number>> = {};
    for (const [field, key] of Object.entries(model.fields) as [keyof typeof m.fields, MeasurementKey][]) {
      const v = m.fields[field];
      if (v) values[key] = v.normalized;
    }
    return { values, ts: opts.clock(), alarms: m.alarms };
  };
}
