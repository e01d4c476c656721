import { readFileSync } from 'node:fs';
import { ZmError } from '../../core/index.ts';
import { parseRegistryYaml } from './parse.ts';
import type { Registry } from './schema.ts';

/** Reads and validates the registry file named in the config; errors carry the file and each path. */
export function loadRegistryFile(file: string): Registry {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ZmError('ERR_CONFIG_READ', `${file}: ${(err as Error).message}`);
  }
  return parseRegistryYaml(text, file);
}
