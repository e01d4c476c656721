import { describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS, LITE_MODE_MAX_METERS, gatewayNodeFlags, gatewayUnit } from '../../../cli/service-unit.ts';

describe('the gateway unit\'s node flags', () => {
  it('runs a board\'s gateway with --lite-mode, and a large site\'s with a small young generation instead', () => {
    expect(gatewayNodeFlags(undefined)).toEqual(GATEWAY_NODE_FLAGS);
    expect(gatewayNodeFlags(22)).toEqual(['--lite-mode']);
    expect(gatewayNodeFlags(LITE_MODE_MAX_METERS)).toEqual(['--lite-mode']);
    expect(gatewayNodeFlags(LITE_MODE_MAX_METERS + 1)).toEqual(['--max-semi-space-size=1', '--max-old-space-size=256']);
    expect(gatewayNodeFlags(2000)).toEqual(['--max-semi-space-size=1', '--max-old-space-size=1000']);
  });

  it('puts them between node and the program', () => {
    const unit = gatewayUnit({ node: '/usr/bin/node', program: '/opt/zonemeter/zonemeter.mjs', config: '/etc/zonemeter/gateway.yaml', user: 'zonemeter' });
    expect(unit).toContain('ExecStart=/usr/bin/node --lite-mode /opt/zonemeter/zonemeter.mjs gateway run -c /etc/zonemeter/gateway.yaml\n');
  });
});
