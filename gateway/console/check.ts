import { ZmError } from '../../core/index.ts';
import { loadGatewayConfig, type GatewayConfig } from '../config.ts';
import { checkGatewayConfig, type ConfigFinding } from '../poll/config-checks.ts';

/**
 * `gateway check` from the console: the config file as it is on disk now (the engineer may have
 * edited it since the gateway started), through the schema and the checks `gateway run` applies.
 * Without a file (a gateway built in-process) the running config is checked.
 */
export function checkConfig(running: GatewayConfig, file: string | undefined): object {
  let cfg: GatewayConfig = running;
  if (file) {
    try {
      cfg = loadGatewayConfig(file, {});
    } catch (err) {
      if (!(err instanceof ZmError)) throw err;
      const findings = (err.details ?? [err.message]).map((line): ConfigFinding => {
        const i = line.indexOf(': ');
        return { level: 'error', path: i > 0 ? line.slice(0, i) : '(file)', message: i > 0 ? line.slice(i + 2) : line };
      });
      return { file, ok: false, errors: findings.length, findings, differs: null };
    }
  }
  const findings = checkGatewayConfig(cfg);
  const errors = findings.filter((f) => f.level === 'error').length;
  // A file that passes but is not what runs: a restart applies it. The address may come from
  // ZM_GATEWAY_HTTP, which the file does not show, so the listener is left out of the comparison.
  const differs = file ? JSON.stringify({ ...cfg, http: null }) !== JSON.stringify({ ...running, http: null }) : false;
  return { file: file ?? null, ok: errors === 0, errors, findings, differs };
}
