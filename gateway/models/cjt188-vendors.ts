import type { Cjt188Model } from './types.ts';
import { CJT188_MODELS_BASE } from './cjt188.ts';

export const CJT188_MODELS: readonly Cjt188Model[] = [...CJT188_MODELS_BASE];
