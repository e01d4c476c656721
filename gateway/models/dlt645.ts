import type { Dlt645Item, Dlt645Model } from './types.ts';

// DL/T 645-2007 Appendix A (数据标识编码表): the identifiers every 2007 meter is expected to
// answer, with the format the standard gives each. Formats count BCD digits; items marked
// signed carry the direction in the top bit of the most significant byte (A.1).
const di = (id: number, measurement: Dlt645Item['measurement'], format: string, signed = false): Dlt645Item =>
  (signed ? { di: id, measurement, format, signed } : { di: id, measurement, format });

export const DLT645_ITEMS = {
  forwardActive: di(0x00010000, 'energy_import_kwh', 'XXXXXX.XX'), // 00010000 正向有功总电能, kWh
  reverseActive: di(0x00020000, 'energy_export_kwh', 'XXXXXX.XX'), // 00020000 反向有功总电能, kWh
  reactive1: di(0x00030000, 'reactive_energy_import_kvarh', 'XXXXXX.XX', true), // 00030000 组合无功1总电能, kvarh
  reactive2: di(0x00040000, 'reactive_energy_export_kvarh', 'XXXXXX.XX', true), // 00040000 组合无功2总电能, kvarh
  voltageA: di(0x02010100, 'voltage_l1_v', 'XXX.X'), // 02010100 A相电压, V
  voltageB: di(0x02010200, 'voltage_l2_v', 'XXX.X'), // 02010200 B相电压, V
  voltageC: di(0x02010300, 'voltage_l3_v', 'XXX.X'), // 02010300 C相电压, V
  currentA: di(0x02020100, 'current_l1_a', 'XXX.XXX', true), // 02020100 A相电流, A
  currentB: di(0x02020200, 'current_l2_a', 'XXX.XXX', true), // 02020200 B相电流, A
  currentC: di(0x02020300, 'current_l3_a', 'XXX.XXX', true), // 02020300 C相电流, A
  activePower: di(0x02030000, 'power_kw', 'XX.XXXX', true), // 02030000 瞬时总有功功率, kW
  activePowerA: di(0x02030100, 'power_l1_kw', 'XX.XXXX', true), // 02030100 A相有功功率, kW
  activePowerB: di(0x02030200, 'power_l2_kw', 'XX.XXXX', true), // 02030200 B相有功功率, kW
  activePowerC: di(0x02030300, 'power_l3_kw', 'XX.XXXX', true), // 02030300 C相有功功率, kW
  reactivePower: di(0x02040000, 'reactive_power_kvar', 'XX.XXXX', true), // 02040000 瞬时总无功功率, kvar
  apparentPower: di(0x02050000, 'apparent_power_kva', 'XX.XXXX', true), // 02050000 瞬时总视在功率, kVA
  powerFactor: di(0x02060000, 'power_factor', 'X.XXX', true), // 02060000 总功率因数
  neutralCurrent: di(0x02800001, 'current_n_a', 'XXX.XXX', true), // 02800001 零线电流, A
  frequency: di(0x02800002, 'frequency_hz', 'XX.XX'), // 02800002 电网频率, Hz
} as const;

const I = DLT645_ITEMS;

export const DLT645_1P: Dlt645Model = {
  protocol: 'dlt645',
  name: 'DLT645-1P',
  vendor: 'generic',
  kind: 'electricity',
  datasheet: 'DL/T 645-2007 Appendix A (data identifiers), the items a single-phase meter answers',
  provenance: { status: 'captured', source: 'third-party frames in test/unit/gateway/protocols/captured-frames.ts (DL/T 645-2007)' },
  items: [I.forwardActive, I.reverseActive, I.voltageA, I.currentA, I.activePower, I.powerFactor, I.frequency],
};

export const DLT645_3P: Dlt645Model = {
  protocol: 'dlt645',
  name: 'DLT645-3P',
  vendor: 'generic',
  kind: 'electricity',
  datasheet: 'DL/T 645-2007 Appendix A (data identifiers), the items a three-phase meter answers',
  provenance: { status: 'captured', source: 'third-party frames in test/unit/gateway/protocols/captured-frames.ts (DL/T 645-2007)' },
  items: [
    I.forwardActive, I.reverseActive, I.voltageA, I.voltageB, I.voltageC, I.currentA, I.currentB, I.currentC,
    I.activePower, I.reactivePower, I.powerFactor, I.frequency,
  ],
};

/**
 * Chint DDSU666 single-phase meter, DL/T 645-2007 variant. The identifiers are the standard's
 * (Appendix A) for a single-phase meter; the maker's own identifier list was not available to
 * check them against, so the model is datasheet-only until a capture confirms it.
 */
export const DDSU666_645: Dlt645Model = {
  protocol: 'dlt645',
  name: 'DDSU666-645',
  vendor: 'Chint (正泰)',
  kind: 'electricity',
  datasheet: 'DL/T 645-2007 Appendix A identifiers of a single-phase meter, as a Chint DDSU666 (645 variant) is sold to answer; maker\'s list not checked',
  provenance: { status: 'datasheet' },
  items: [I.forwardActive, I.reverseActive, I.voltageA, I.currentA, I.activePower, I.powerFactor, I.frequency],
};

/** Chint DTSU666 three-phase meter, DL/T 645-2007 variant: the standard's three-phase identifiers (maker's list not checked). */
export const DTSU666_645: Dlt645Model = {
  protocol: 'dlt645',
  name: 'DTSU666-645',
  vendor: 'Chint (正泰)',
  kind: 'electricity',
  datasheet: 'DL/T 645-2007 Appendix A identifiers of a three-phase meter, as a Chint DTSU666 (645 variant) is sold to answer; maker\'s list not checked',
  provenance: { status: 'datasheet' },
  items: [
    I.forwardActive, I.reverseActive, I.voltageA, I.voltageB, I.voltageC, I.currentA, I.currentB, I.currentC,
    I.activePower, I.activePowerA, I.activePowerB, I.activePowerC, I.reactivePower, I.powerFactor, I.frequency,
  ],
};

/** Acrel ADL400 three-phase guide-rail meter in its DL/T 645-2007 mode: the standard's identifiers incl. reactive energy (maker's list not checked). */
export const ADL400_645: Dlt645Model = {
  protocol: 'dlt645',
  name: 'ADL400-645',
  vendor: 'Acrel (安科瑞)',
  kind: 'electricity',
  datasheet: 'DL/T 645-2007 Appendix A identifiers incl. combined reactive energy, as an Acrel ADL400 in DL/T 645 mode is sold to answer; maker\'s list not checked',
  provenance: { status: 'datasheet' },
  items: [
    I.forwardActive, I.reverseActive, I.reactive1, I.reactive2, I.voltageA, I.voltageB, I.voltageC,
    I.currentA, I.currentB, I.currentC, I.activePower, I.reactivePower, I.apparentPower, I.powerFactor, I.frequency,
  ],
};

export const DLT645_MODELS: readonly Dlt645Model[] = [DLT645_1P, DLT645_3P, DDSU666_645, DTSU666_645, ADL400_645];
