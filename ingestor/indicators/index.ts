export * from './energy.ts';
export * from './intensity.ts';
export * from './progress.ts';
export * from './breakdown.ts';
export * from './coverage.ts';
