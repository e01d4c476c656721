export * from './errors.ts';
export * from './frame.ts';
export * from './manufacturer.ts';
export * from './records.ts';
export * from './telegram.ts';
export * from './values.ts';
export * from './vif.ts';
