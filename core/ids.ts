import { z } from 'zod';
import { ID_PATTERN } from './wire.ts';

export { ID_PATTERN };
export const Id = z.string().regex(ID_PATTERN, 'expected an id: 1–64 of A–Z a–z 0–9 _ . - starting with a letter or digit');
