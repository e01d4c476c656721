// A meter simulator process for the benches, so its CPU is not counted with the process measured:
// N SDM630 meters on Modbus TCP, at most PER_PORT unit ids behind each loopback port.
// Prints one JSON line {"endpoints":[{"port":P,"unitIds":[...]}...]} when ready; stops on SIGTERM.
// Run: npx tsx test/bench/sim-server.ts N
import { SDM630 } from '../../gateway/models/eastron.ts';
import { startMeterSimulator, type MeterSimulator } from '../../simulators/meter/index.ts';

const PER_PORT = 200;

const n = Number(process.argv[2] ?? 500);
const ports = Math.ceil(n / PER_PORT);
const sims: MeterSimulator[] = [];
const endpoints: { port: number; unitIds: number[] }[] = [];
for (let p = 0; p < ports; p++) {
  const count = Math.floor(n / ports) + (p < n % ports ? 1 : 0);
  const unitIds = Array.from({ length: count }, (_, i) => i + 1);
  const sim = await startMeterSimulator({
    meters: unitIds.map((unitId) => ({ unitId, model: SDM630, inputs: { power_kw: 5 + (unitId % 20) } })),
    tcp: { host: '127.0.0.1', port: 0 },
    seed: p + 1,
  });
  sims.push(sim);
  endpoints.push({ port: sim.tcp!.port, unitIds });
}
console.log(JSON.stringify({ endpoints }));

const stop = () => {
  void Promise.allSettled(sims.map((s) => s.close())).then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
