import { describe, expect, it } from 'vitest';
import { GatewayConfigSchema, isLoopbackHost } from '../../../gateway/config.ts';

const base = {
  site: 's', gateway: 'g', building: 'b', buses: [{ id: 'b1', type: 'tcp', host: 'h' }],
  meters: [{ id: 'm', bus: 'b1', unitId: 1, model: 'SDM630', zone: 'other', endUse: 'total' }],
};
const HASH = 'scrypt$16384$8$1$c2FsdHNhbHRzYWx0c2FsdA==$' + Buffer.alloc(32, 7).toString('base64');
const issues = (http: unknown) => {
  const r = GatewayConfigSchema.safeParse({ ...base, http });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('gateway config: http', () => {
  it('keeps the HOST:PORT string form, and takes an object with a password', () => {
    expect(GatewayConfigSchema.parse({ ...base, http: '127.0.0.1:8081' }).http).toEqual({ listen: '127.0.0.1:8081' });
    expect(GatewayConfigSchema.parse({ ...base, http: { listen: '0.0.0.0:8081', password: 'room-b2-console' } }).http)
      .toEqual({ listen: '0.0.0.0:8081', password: 'room-b2-console' });
    expect(GatewayConfigSchema.parse({ ...base, http: { listen: '10.0.0.5:80', passwordHash: HASH } }).http.passwordHash).toBe(HASH);
    expect(GatewayConfigSchema.parse({ ...base, http: { password: 'room-b2-console' } }).http.listen).toBe('127.0.0.1:8081');
  });

  it('refuses any address but loopback without a password, naming the field', () => {
    expect(issues('0.0.0.0:8081')).toEqual([expect.stringMatching(/^http\.password: listening on 0\.0\.0\.0:8081 \(not loopback\) needs http\.password or http\.passwordHash/)]);
    expect(issues({ listen: '192.168.1.20:8081' })).toHaveLength(1);
    expect(issues('localhost:8081')).toEqual([]);
    expect(issues('127.0.0.2:8081')).toEqual([]);
  });

  it('says what is wrong with a password or a hash', () => {
    expect(issues({ listen: '0.0.0.0:1', password: 'short' })).toEqual(['http.password: at least 8 characters']);
    expect(issues({ listen: '0.0.0.0:1', passwordHash: 'plain-text' })).toEqual([expect.stringMatching(/^http\.passwordHash: expected scrypt\$N\$r\$p\$salt\$hash/)]);
    expect(issues({ listen: '0.0.0.0:1', passwordHash: HASH.replace('16384', '1048576') })).toEqual([expect.stringMatching(/power of two up to 65536/)]);
    expect(issues({ listen: '0.0.0.0:1', password: 'room-b2-console', passwordHash: HASH })).toEqual(['http.password: give password or passwordHash, not both']);
    expect(issues({ listen: '127.0.0.1:1', pasword: 'typo-typo' })).toEqual([expect.stringMatching(/^http: Unrecognized key/)]);
    expect(issues('127.0.0.1:99999')).toEqual(['http: port 99999 out of range (0–65535)']);
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '192.168.1.2', '::', 'gateway.local', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });
});
