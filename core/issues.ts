import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** `meters[3].unitId` from ['meters', 3, 'unitId']. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(root)';
}

export function issueLines(issues: readonly Issue[]): string[] {
  return issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
}

export function formatIssues(issues: readonly Issue[]): string {
  return issueLines(issues).join('; ');
}
