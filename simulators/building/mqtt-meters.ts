import mqtt, { type MqttClient } from 'mqtt';
import type { SimClock } from '../meter/clock.ts';
import type { SimMeter } from '../meter/meter.ts';
import { bytes } from '../meter/random.ts';
import { tasmotaTopic } from './gateway-config.ts';
import type { ModelMeter } from './model.ts';
import type { Site } from './schema.ts';

const BROKER_WAIT_MS = 10_000;

/**
 * connectAsync retries forever when nothing listens, so a wrong URL would hang the simulator
 * without a word; give up after a while with an error that names the broker.
 */
export async function connectBroker(url: string, username?: string, password?: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { username, password, reconnectPeriod: 1000, connectTimeout: BROKER_WAIT_MS });
  let last: Error | undefined;
  const onError = (err: Error) => { last = err; };
  client.on('error', onError);
  const connected = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), BROKER_WAIT_MS);
    client.once('connect', () => { clearTimeout(timer); resolve(true); });
  });
  if (!connected) {
    await client.endAsync(true);
    throw new Error(`MQTT broker ${url} not reachable within ${BROKER_WAIT_MS / 1000} s${last ? `: ${last.message}` : ''}`);
  }
  return client;
}

let junk = 0;

// Tasmota's SENSOR telegram: energy in kWh, power in W, local time without an offset. Faults act
// on each telegram as they act on each Modbus request; MQTT has no CRC, so bad_crc sends garbage.
export function publishTasmota(client: MqttClient, meters: ModelMeter[], sims: Map<string, SimMeter>, clock: SimClock, site: Site): void {
  for (const m of meters) {
    const sim = sims.get(m.id)!;
    const fault = sim.takeFault();
    const topic = tasmotaTopic(m.id);
    if (fault?.kind === 'silent' || fault?.kind === 'disconnect' || fault?.kind === 'exception') continue;
    if (fault?.kind === 'garbage' || fault?.kind === 'bad_crc') {
      client.publish(topic, bytes(site.seed + ++junk, fault.kind === 'garbage' ? fault.length ?? 7 : 7));
      continue;
    }
    const send = () => {
      const s = sim.state();
      const payload = {
        Time: new Date(clock.now() + site.utcOffsetHours * 3_600_000).toISOString().slice(0, 19),
        ENERGY: { Total: Math.round((s.energy_import_kwh ?? 0) * 1000) / 1000, Power: Math.round((s.power_kw ?? 0) * 1000), Voltage: Math.round(s.voltage_l1_v ?? 230) },
      };
      client.publish(topic, JSON.stringify(payload));
    };
    if (fault?.kind === 'delay') setTimeout(send, fault.ms).unref();
    else send();
  }
}
