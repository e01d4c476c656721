import { describe, expect, it } from 'vitest';
import { parseConfig, type ZmError } from '../../../../core/index.ts';
import { IngestorConfigSchema } from '../../../../ingestor/config.ts';

const platform = (over: Record<string, unknown> = {}) => ({
  id: 'province', host: '10.0.0.1', port: 9006, key: '000102030405060708090a0b0c0d0e0f', iv: '0000000000123456', secret: 's',
  buildings: [{ site: 'demo', building: 'main', buildingId: '330100A001', gatewayId: '01' }], ...over,
});
const problems = (platforms: unknown[]): string[] => {
  try {
    parseConfig(IngestorConfigSchema, { platforms }, 'ingestor.yaml');
  } catch (err) {
    return (err as ZmError).details ?? [];
  }
  return [];
};

describe('platforms: in the ingestor config', () => {
  it('takes a platform with the defaults of its dialect', () => {
    const cfg = parseConfig(IngestorConfigSchema, { platforms: [platform()] }, 'ingestor.yaml');
    expect(cfg.platforms[0]).toMatchObject({ dialect: 'gb2008', periodMin: 15, heartbeatS: 60, maxWaitMin: 60, continuousPerMinute: 60 });
    expect(parseConfig(IngestorConfigSchema, {}, 'x').platforms).toEqual([]);
  });

  it('names every problem with its path', () => {
    const fields = problems([
      platform({ key: 'short', periodMin: 20, buildings: [{ site: 'demo', building: 'main', buildingId: '330100A001', gatewayId: 'a b' }] }),
      platform({ id: 'city', port: 70000, buildings: [] }),
    ]).join('\n');
    expect(fields).toContain('platforms[0].key: expected 32 hex digits or 16 ASCII characters');
    expect(fields).toMatch(/platforms\[0\]\.periodMin/);
    expect(fields).toContain('platforms[0].buildings[0].gatewayId: expected 1–32 letters');
    expect(fields).toMatch(/platforms\[1\]\.port/);
    expect(fields).toContain('platforms[1].buildings: map at least one registry building');
    // Checks across fields run on platforms whose fields are each valid.
    const rules = problems([
      platform({ buildings: [{ site: 'demo', building: 'main', buildingId: '33010A01', gatewayId: '01' }] }),
      platform(),
    ]).join('\n');
    expect(rules).toContain('platforms[0].buildings[0].buildingId: "33010A01" is not a gb2008 building code');
    expect(rules).toContain('platforms[1].id: duplicate platform id "province"');
    expect(problems([platform({ framing: { head: '55aa55aa', tail: '55AA55AA' } })]).join('\n')).toContain('platforms[0].framing.tail: head and tail must differ');
    expect(problems([platform({ framing: { head: '55aa', crc: 'x' } })]).join('\n')).toMatch(/platforms\[0\]\.framing\.head: expected 8 hex digits[\s\S]*platforms\[0\]\.framing/);
  });

  it('asks for quotes where YAML reads a key, an IV or a gateway id as a number', async () => {
    const { parse } = await import('yaml');
    const raw = parse("platforms:\n  - { id: p, host: h, port: 1, key: '000102030405060708090a0b0c0d0e0f', iv: 0000000000123456, secret: s,\n      buildings: [{ site: d, building: b, buildingId: '330100A001', gatewayId: 01 }] }\n") as { platforms: unknown[] };
    const text = problems(raw.platforms).join('\n');
    expect(text).toContain('platforms[0].iv: expected a quoted string (YAML read 123456 as a number; write it in quotes)');
    expect(text).toContain('platforms[0].buildings[0].gatewayId: expected a quoted string (YAML read 1 as a number');
  });

  it('accepts any project id in the renewable dialect', () => {
    expect(problems([platform({ dialect: 'renewable', buildings: [{ site: 'demo', building: 'main', buildingId: '110000015', gatewayId: '1100000140202' }] })])).toEqual([]);
  });
});

describe('platform buildings against the registry', () => {
  it('refuses start-up naming a mapped building the registry does not have', async () => {
    const { fileURLToPath } = await import('node:url');
    const { build } = await import('../../../../ingestor/app.ts');
    const pino = (await import('pino')).default;
    const registry = fileURLToPath(new URL('../../../fixtures/registry/truth-registry.yaml', import.meta.url));
    const config = parseConfig(IngestorConfigSchema, {
      registry, utcOffsetHours: 8, influx: { url: 'http://127.0.0.1:9' },
      platforms: [platform({ buildings: [{ site: 'truth', building: 'nowhere', buildingId: '330100A001', gatewayId: '01' }] })],
    }, 'ingestor.yaml');
    const err = await build(config, { log: pino({ level: 'silent' }) }).then(() => null, (e: ZmError) => e);
    expect(err?.code).toBe('ERR_CONFIG_INVALID');
    expect(err?.details).toEqual(['platforms[0].buildings[0]: no building "nowhere" in site "truth" of the registry']);
  });
});
