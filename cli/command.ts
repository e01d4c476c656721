import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ZmError } from '../core/errors.ts';
import { t } from './i18n.ts';

export interface Command {
  /** One line, [English, Chinese]. */
  readonly summary: readonly [string, string];
  readonly usage: string;
  /** Returns the exit code. */
  run(argv: string[]): Promise<number>;
}

export class UsageError extends Error {}

/** node:util parseArgs with errors turned into UsageError (printed with the usage, exit 2). */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Prints a ZmError (with every config problem on its own line) or any other error; returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    console.error(`${t('error', '错误')}: ${err.message}`);
    return 2;
  }
  if (err instanceof ZmError) {
    console.error(`${t('error', '错误')}: ${err.message}`);
    for (const line of err.details ?? []) console.error(`  ${line}`);
    return 1;
  }
  console.error(`${t('error', '错误')}: ${(err as Error)?.stack ?? String(err)}`);
  return 1;
}
