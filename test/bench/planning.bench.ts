// Read planning: the line time and payload share of one full read of every meter model on an
// RS-485 line at 9600 baud 8N1, as planned versus one value per request.
// DESIGN.md target: an SDM630-class full read puts ≥ 85% of line time into payload.
// Run: npx tsx test/bench/planning.bench.ts
import { MODELS } from '../../gateway/models/index.ts';
import { bitsPerChar, wireEfficiency, type SerialLine } from '../../gateway/poll/planner.ts';
import { isMain, printFigures, round, type Figures } from './support.ts';

const LINE: SerialLine = { baud: 9600, bitsPerChar: bitsPerChar() };

export async function run(): Promise<Figures> {
  const figures: Figures = {};
  const rows: string[][] = [['model', 'values', 'req planned', 'req 1/value', 'ms planned', 'ms 1/value', 'payload planned', 'payload 1/value', 'speed-up']];
  for (const model of MODELS) {
    const { planned, onePerValue } = wireEfficiency(model, LINE);
    // Silences count: on a real line they are time the bus cannot carry anything else.
    const pct = (s: number) => `${round(100 * s)}%`;
    const speedup = round(onePerValue.lineTimeWithSilenceMs / planned.lineTimeWithSilenceMs, 2);
    rows.push([
      model.name, String(model.registers.length), String(planned.requests), String(onePerValue.requests),
      String(round(planned.lineTimeWithSilenceMs)), String(round(onePerValue.lineTimeWithSilenceMs)),
      pct(planned.payloadShare), pct(onePerValue.payloadShare), `${speedup}×`,
    ]);
    const key = model.name.toLowerCase();
    figures[`${key}.planned_ms`] = round(planned.lineTimeWithSilenceMs);
    figures[`${key}.one_per_value_ms`] = round(onePerValue.lineTimeWithSilenceMs);
    // Share of frame time, as DESIGN.md states the target; with the silences counted it is lower.
    figures[`${key}.planned_payload_pct`] = round(100 * planned.payloadShare);
    figures[`${key}.one_per_value_payload_pct`] = round(100 * onePerValue.payloadShare);
    figures[`${key}.planned_payload_with_silence_pct`] = round(100 * planned.payloadShareWithSilence);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('\nRead planning, full read at 9600 baud 8N1 (ms: line time with 3.5-character silences; payload: share of frame time)');
  for (const r of rows) console.log('  ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log('  target (DESIGN.md): SDM630-class full read ≥ 85% payload; one value per request about 24%');
  return figures;
}

if (isMain(import.meta.url)) printFigures('planning', await run());
