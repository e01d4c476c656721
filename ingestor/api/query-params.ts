import { z } from 'zod';

/** An instant given as epoch ms or an ISO 8601 date-time; answers epoch ms. */
export const Instant = z.string().trim().min(1).transform((s, ctx) => {
  const ms = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is neither epoch ms nor an ISO 8601 date-time` });
    return z.NEVER;
  }
  return ms;
});

export const Year = z.coerce.number().int().min(2000).max(2100);

/** `true`/`1` and `false`/`0` from a query string (z.coerce.boolean would read "false" as true). */
export const Flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
