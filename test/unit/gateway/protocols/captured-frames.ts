/**
 * DL/T 645-2007 and CJ/T 188 frames published by others, each with the value its source states.
 * The bytes are facts quoted from the sources named next to them; the expected values are the
 * sources' own statements, never what zonemeter's decoder or simulator produces.
 */

export interface CapturedFrame {
  /** Where the bytes and the stated values were published. */
  source: string;
  /** The licence the source is published under, as far as the source says. */
  licence: string;
  hex: string;
  /** What the source states about this frame. */
  stated: {
    address?: string;
    control?: number;
    di?: number;
    value?: number;
    unit?: string;
    /** For a CJ/T 188 answer: field → value in the meter's own unit. */
    fields?: Record<string, { value: number; unit: string }>;
    time?: string;
    meterType?: number;
  };
  /** A frame the source prints but whose bytes do not hold together: the parser must refuse it. */
  refusedWith?: string;
  /** The model whose table/layout the frame exercises. */
  model?: string;
}

// "DLT645-2007 规约 常见报文解析" (by "legend", V1.1, 2012-09-29), reprinted at
// https://hwhale.com/article/138066 from wenku.baidu.com/view/cc10838283d049649b66580d.html —
// the exchanges of a test tool with a meter at address 000000000161, each with the value read
// ("RX://26 00 00 00 = 26 = 0.26 kWh"). Licence: none stated (a reprinted document).
const LEGEND = 'hwhale.com/article/138066, "DLT645-2007 规约 常见报文解析" by legend (2012), reprinted from Baidu Wenku';

export const DLT645_FRAMES: readonly CapturedFrame[] = [
  {
    source: `${LEGEND}: TX 读(当前)正向有功总电能`,
    licence: 'none stated',
    hex: '68 61 01 00 00 00 00 68 11 04 33 33 34 33 14 16',
    stated: { address: '000000000161', control: 0x11, di: 0x00010000 },
  },
  {
    source: `${LEGEND}: RX "26 00 00 00 = 26 = 0.26 kWh" (forward active total energy)`,
    licence: 'none stated',
    hex: '68 61 01 00 00 00 00 68 91 08 33 33 34 33 59 33 33 33 8A 16',
    stated: { address: '000000000161', control: 0x91, di: 0x00010000, value: 0.26, unit: 'kWh' },
    model: 'DLT645-1P',
  },
  {
    source: `${LEGEND}: RX "26 01 00 00 = 126 = 1.26 kWh" (reverse active total energy)`,
    licence: 'none stated',
    hex: '68 61 01 00 00 00 00 68 91 08 33 33 35 33 59 34 33 33 8C 16',
    stated: { address: '000000000161', control: 0x91, di: 0x00020000, value: 1.26, unit: 'kWh' },
    model: 'DLT645-1P',
  },
  {
    source: `${LEGEND}: RX "26 00 01 00 = 10026 = 100.26 kvarh" (combined reactive 1 total energy)`,
    licence: 'none stated',
    hex: '68 61 01 00 00 00 00 68 91 08 33 33 36 33 59 33 34 33 8D 16',
    stated: { address: '000000000161', control: 0x91, di: 0x00030000, value: 100.26, unit: 'kvarh' },
    model: 'ADL400-645',
  },
  {
    source: `${LEGEND}: RX "23 00 01 00 = 10023 = 100.23 kvarh" (combined reactive 2 total energy)`,
    licence: 'none stated',
    hex: '68 61 01 00 00 00 00 68 91 08 33 33 37 33 56 33 34 33 8B 16',
    stated: { address: '000000000161', control: 0x91, di: 0x00040000, value: 100.23, unit: 'kvarh' },
    model: 'ADL400-645',
  },
  {
    // The page states the request, the data "01 10" and "= 1001 = 100.1 V"; the full answer,
    // check byte 10H included, is the one the same log prints in its timestamped form
    // ("15:51:00接收原始报文: 68 61 01 00 00 00 00 68 91 06 33 34 34 35 34 43 10 16 … A相电压为:100.1 V").
    source: `${LEGEND}: RX "01 10 = 1001 = 100.1 V" (phase A voltage)`,
    licence: 'none stated',
    hex: '68 61 01 00 00 00 00 68 91 06 33 34 34 35 34 43 10 16',
    stated: { address: '000000000161', control: 0x91, di: 0x02010100, value: 100.1, unit: 'V' },
    model: 'DLT645-1P',
  },
  {
    // github.com/WKJay/DLT645 issue #10 (2025-07-05): the library reading a virtual meter,
    // "read data =68 AA AA AA AA AA AA 68 91 06 33 34 34 35 33 33 99 16 / 读取成功,A相电压值为: 0.00".
    // The meter answers with the wildcard address it was asked with.
    source: 'github.com/WKJay/DLT645 issue #10, read of phase A voltage from a virtual meter ("A相电压值为: 0.00")',
    licence: 'issue text under the GitHub terms of service; no licence file among the repository files indexed',
    hex: '68 AA AA AA AA AA AA 68 91 06 33 34 34 35 33 33 99 16',
    stated: { address: 'AAAAAAAAAAAA', control: 0x91, di: 0x02010100, value: 0, unit: 'V' },
    model: 'DLT645-1P',
  },
  {
    // github.com/cqqqq/go645 protocol_test.go, TestDecode: asserts the address as the wire
    // order "140100318221" (nameplate 218231000114), a slave read answer and L = 08.
    source: 'github.com/cqqqq/go645 protocol_test.go TestDecode (address "140100318221" in wire order, slave read answer, length 8)',
    licence: 'none stated in the repository',
    hex: '681401003182216891083333343339333333f116',
    stated: { address: '218231000114', control: 0x91, di: 0x00010000 },
  },
];

// "CJ/T-188 水表协议解析1", cnblogs.com/yangykaifa/p/7010777.html (the same text, naming the
// meter "SC水表", at hftangyu.com/563.html and shuzhiduo.com/A/rV577rya5P). Licence: none stated.
const SC = 'cnblogs.com/yangykaifa/p/7010777.html, "CJ/T-188 水表协议解析1" (SC water meter)';
// "CJ/T-188 冷热量表协议解析2", cnblogs.com/llguanli/p/8683992.html (also biecuoliao.com/pa/MD6jEe3.html):
// a JY heat meter whose answer puts each unit code before its value. Licence: none stated.
const JY = 'cnblogs.com/llguanli/p/8683992.html, "CJ/T-188 冷热量表协议解析2" (JY heat meter)';

export const CJT188_FRAMES: readonly CapturedFrame[] = [
  {
    source: `${SC}: 查表数据发送, "1F 90:数据标识", "80:累加和"`,
    licence: 'none stated',
    hex: 'FE FE FE FE 68 10 44 33 22 11 00 33 78 01 03 1F 90 00 80 16',
    stated: { meterType: 0x10, address: '78330011223344', control: 0x01, di: 0x901f },
    model: 'SC-Water',
  },
  {
    // The page explains every field ("00 77 66 55:倒序为556677.00 … 表示累计用量", "2C:立方米",
    // "31 01 22 11 05 15 20:2015-05-11 22:01:31") and gives 08 as the check byte, but the bytes
    // it prints sum to 13H: a frame exactly as printed is refused, its DATA decodes as stated.
    source: `${SC}: 回复数据 (累计用量 556677.00 m³, 本月用量 556677.00 m³, 2015-05-11 22:01:31)`,
    licence: 'none stated',
    hex: 'FE FE FE FE 68 10 44 33 22 11 00 33 78 81 16 1F 90 00 00 77 66 55 2C 00 77 66 55 2C 31 01 22 11 05 15 20 21 84 08 16',
    stated: {
      meterType: 0x10, address: '78330011223344', control: 0x81, di: 0x901f,
      fields: { current_volume: { value: 556677, unit: 'm³' }, settlement_volume: { value: 556677, unit: 'm³' } },
      time: '2015-05-11 22:01:31',
    },
    refusedWith: 'ERR_FRAME_CHECKSUM',
    model: 'SC-Water',
  },
  {
    source: `${JY}: 数据发送 ("90 1F 01:数据标识和序列号", "20:累加和")`,
    licence: 'none stated',
    hex: 'FE FE FE FE 68 20 32 41 31 40 00 00 00 01 03 90 1F 01 20 16',
    stated: { meterType: 0x20, address: '00000040314132', control: 0x01, di: 0x901f },
    model: 'JY-Heat',
  },
  {
    // "结算日热量(0.02-mwh)", "当前热量(0.02-mwh)", "当前累计流量(10.34-mmm)", "供水温度(25.35-0C)",
    // "66 25 00:回水温度"; power (17H, kW) and flow (35H, m³/h) are 0.
    source: `${JY}: 回复数据 (0.02 MWh, 0.02 MWh, 10.34 m³, 25.35 °C, 25.66 °C)`,
    licence: 'none stated',
    hex: 'FE FE FE FE 68 20 32 41 31 40 00 00 00 81 2E 90 1F 01 08 02 00 00 00 08 02 00 00 00 17 00 00 00 00 35 00 00 00 00 2C 34 10 00 00 35 25 00 66 25 00 00 00 00 53 00 12 10 07 15 20 00 00 31 16',
    stated: {
      meterType: 0x20, address: '00000040314132', control: 0x81, di: 0x901f,
      fields: {
        settlement_heat: { value: 0.02, unit: 'MWh' }, current_heat: { value: 0.02, unit: 'MWh' },
        heat_power: { value: 0, unit: 'kW' }, flow: { value: 0, unit: 'm³/h' },
        cumulative_volume: { value: 10.34, unit: 'm³' }, supply_temp: { value: 25.35, unit: '°C' }, return_temp: { value: 25.66, unit: '°C' },
      },
    },
    model: 'JY-Heat',
  },
];
