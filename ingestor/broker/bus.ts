// What the ingest pipeline needs from MQTT, whether the broker is embedded (aedes) or external
// (a client on a mosquitto/EMQX cluster with a shared subscription).
export type MessageHandler = (topic: string, payload: Buffer) => Promise<void>;

export interface MessageBus {
  /** Delivers every message on the filter to the handler, in arrival order per publisher. */
  subscribe(filter: string, handler: MessageHandler): Promise<void>;
  publish(topic: string, payload: string, opts: { qos: 0 | 1; retain?: boolean }): Promise<void>;
  close(): Promise<void>;
}
