import { parse as parseYaml } from 'yaml';
import { ZmError, parseConfig } from '../../core/index.ts';
import { RegistrySchema, type Registry } from './schema.ts';

/** Validates a registry object; every problem is reported with its path (ERR_CONFIG_INVALID). */
export function parseRegistry(input: unknown, source = 'registry'): Registry {
  return parseConfig(RegistrySchema, input, source);
}

/** Parses registry YAML (or JSON, which YAML 1.2 includes) already read by the caller. */
export function parseRegistryYaml(text: string, source = 'registry'): Registry {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ZmError('ERR_CONFIG_INVALID', `${source}: not valid YAML/JSON`, { details: [(err as Error).message] });
  }
  return parseRegistry(raw, source);
}
