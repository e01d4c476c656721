export * from './buckets.ts';
export * from './counter.ts';
export * from './rollup.ts';
