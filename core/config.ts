import type { z } from 'zod';
import { ZmError } from './errors.ts';
import { issueLines } from './issues.ts';

/** Parses a config object once, reporting every issue with its path, and freezes the result. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, source: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const details = issueLines(result.error.issues);
    throw new ZmError('ERR_CONFIG_INVALID', `${source}: ${details.length} problem(s)`, { details });
  }
  return deepFreeze(result.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
