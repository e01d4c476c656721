#!/usr/bin/python3
"""A third-party Modbus server for interop tests: pymodbus (Debian python3-pymodbus 3.0) serving
an SDM630 register layout (Eastron protocol V1.8, input registers, float32 big-endian) with known
values, over Modbus TCP or RTU on a serial device. Prints "ready" once it accepts requests.

    /usr/bin/python3 pymodbus_server.py --tcp PORT --unit 7
    /usr/bin/python3 pymodbus_server.py --rtu /dev/pts/N --baud 9600 --unit 7
"""
import argparse
import asyncio
import struct
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server.async_io import ModbusSerialServer, ModbusTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer

# address (0-based, as on the wire) -> value, in the units the meter reports.
SDM630_VALUES = {
    0x0000: 231.25,    # 30001 phase 1 voltage, V
    0x0002: 229.5,     # 30003 phase 2 voltage, V
    0x0004: 233.0,     # 30005 phase 3 voltage, V
    0x0006: 12.5,      # 30007 phase 1 current, A
    0x0034: 4321.5,    # 30053 total system power, W
    0x003E: 0.96875,   # 30063 total power factor
    0x0046: 49.98,     # 30071 frequency, Hz
    0x0048: 98765.25,  # 30073 import kWh
    0x004A: 12.75,     # 30075 export kWh
}


def registers():
    words = [0] * 0x100
    for address, value in SDM630_VALUES.items():
        hi, lo = struct.unpack(">HH", struct.pack(">f", value))
        words[address] = hi
        words[address + 1] = lo
    return words


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tcp", type=int)
    parser.add_argument("--rtu")
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--unit", type=int, default=1)
    args = parser.parse_args()

    # zero_mode: request address N reads block index N (pymodbus otherwise adds 1).
    slave = ModbusSlaveContext(ir=ModbusSequentialDataBlock(0, registers()), hr=ModbusSequentialDataBlock(0, [0] * 0x100), zero_mode=True)
    context = ModbusServerContext(slaves={args.unit: slave}, single=False)

    if args.tcp is not None:
        server = ModbusTcpServer(context, framer=ModbusSocketFramer, address=("127.0.0.1", args.tcp), allow_reuse_address=True)
        task = asyncio.create_task(server.serve_forever())
        await server.serving
        print("ready", flush=True)
        await task
    elif args.rtu:
        server = ModbusSerialServer(context, framer=ModbusRtuFramer, port=args.rtu, baudrate=args.baud, bytesize=8, parity="N", stopbits=1, ignore_missing_slaves=True)
        await server.start()
        print("ready", flush=True)
        await server.serve_forever()
    else:
        parser.error("give --tcp PORT or --rtu PATH")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
