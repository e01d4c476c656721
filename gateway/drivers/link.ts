/** One Modbus transaction path: a TCP socket, a serial line, or a raw RTU-over-TCP bridge. */
export interface ModbusLink {
  readRegisters(unitId: number, fc: 3 | 4, address: number, count: number, timeoutMs: number): Promise<Buffer>;
  close(): Promise<void>;
}
