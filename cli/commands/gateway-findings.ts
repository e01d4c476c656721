import type { ConfigFinding } from '../../gateway/poll/config-checks.ts';
import { t } from '../i18n.ts';

/**
 * Prints each finding on its own line with its config path, the same for `gateway check` and
 * `gateway run`, so what one refuses the other names in the same words. Returns the error count.
 */
export function printFindings(findings: readonly ConfigFinding[]): number {
  for (const x of findings) {
    const tag = x.level === 'error' ? t('error', '错误') : t('warning', '警告');
    console.error(`  ${x.path}: ${x.message} [${tag}]`);
  }
  return findings.filter((x) => x.level === 'error').length;
}

/** The closing line of a refused config. */
export function printRefused(file: string, errors: number): void {
  console.error(t(`${file}: ${errors} problem(s)`, `${file}：${errors} 个问题`));
}
