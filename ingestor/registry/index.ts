export * from './factors.ts';
export * from './plans.ts';
export * from './schema.ts';
export * from './parse.ts';
export * from './lookup.ts';
export * from './manifests.ts';
