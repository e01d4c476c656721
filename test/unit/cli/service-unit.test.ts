import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS, LARGE_SITE_ENVIRONMENT, LITE_MODE_MAX_METERS, gatewayEnvironment, gatewayNodeFlags, gatewayUnit } from '../../../cli/service-unit.ts';

describe('the gateway unit\'s node flags', () => {
  it('runs a board\'s gateway with --lite-mode, and a large site\'s with a small young generation instead', () => {
    expect(gatewayNodeFlags(undefined)).toEqual(GATEWAY_NODE_FLAGS);
    expect(gatewayNodeFlags(22)).toEqual(['--lite-mode']);
    expect(gatewayNodeFlags(LITE_MODE_MAX_METERS)).toEqual(['--lite-mode']);
    expect(gatewayNodeFlags(LITE_MODE_MAX_METERS + 1)).toEqual(['--no-opt', '--max-semi-space-size=1', '--max-old-space-size=256']);
    expect(gatewayNodeFlags(2000)).toEqual(['--no-opt', '--max-semi-space-size=1', '--max-old-space-size=1000']);
  });

  it('gives a large site one malloc arena and fixed trim thresholds, a board nothing more', () => {
    expect(gatewayEnvironment(undefined)).toEqual({});
    expect(gatewayEnvironment(LITE_MODE_MAX_METERS)).toEqual({});
    expect(gatewayEnvironment(500)).toEqual(LARGE_SITE_ENVIRONMENT);
    const unit = gatewayUnit({ node: '/usr/bin/node', program: '/opt/z.mjs', config: '/etc/zonemeter/g.yaml', user: 'zonemeter', environment: gatewayEnvironment(500) });
    expect(unit).toContain('Environment=ZM_LOG_LEVEL=info\nEnvironment=MALLOC_ARENA_MAX=1\nEnvironment=MALLOC_TRIM_THRESHOLD_=131072\nEnvironment=MALLOC_MMAP_THRESHOLD_=131072\n');
  });

  it('puts them between node and the program', () => {
    const unit = gatewayUnit({ node: '/usr/bin/node', program: '/opt/zonemeter/zonemeter.mjs', config: '/etc/zonemeter/gateway.yaml', user: 'zonemeter' });
    expect(unit).toContain('ExecStart=/usr/bin/node --lite-mode /opt/zonemeter/zonemeter.mjs gateway run -c /etc/zonemeter/gateway.yaml\n');
  });
});
