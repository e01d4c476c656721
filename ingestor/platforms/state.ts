import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const StateSchema = z.object({
  /** Last `<sequence>` used with this platform. */
  seq: z.number().int().min(0),
  /** Per "site/building": the start of the next period to send; everything before it was acknowledged. */
  next: z.record(z.string(), z.number().int()),
  /** Per "site/building": the start of the last acknowledged period. */
  acked: z.record(z.string(), z.number().int()).default({}),
});
export type PlatformState = z.infer<typeof StateSchema>;

/**
 * Where a platform's reporting stands, in dataDir/platforms/<id>.json: written (temp file + rename)
 * after every acknowledgement, so a restarted ingestor resends at most the one unacknowledged period.
 */
export class StateFile {
  private readonly file: string;
  readonly state: PlatformState;

  constructor(dataDir: string, platformId: string) {
    const dir = path.join(dataDir, 'platforms');
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, `${platformId}.json`);
    this.state = StateFile.read(this.file);
  }

  private static read(file: string): PlatformState {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { seq: 0, next: {}, acked: {} };
      throw err;
    }
    const parsed = StateSchema.safeParse(JSON.parse(text));
    // A state file that does not parse is refused rather than reset: a reset would resend or skip periods.
    if (!parsed.success) throw new Error(`${file}: not a platform state file (${parsed.error.issues[0]?.message}); fix or remove it`);
    return parsed.data;
  }

  save(): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.file);
  }
}
