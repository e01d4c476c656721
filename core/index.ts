export * from './vocabulary.ts';
export * from './measurements.ts';
export * from './ids.ts';
export * from './schemas.ts';
export * from './topics.ts';
export * from './issues.ts';
export * from './errors.ts';
export * from './config.ts';
