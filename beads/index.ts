export * from './bead.ts';
export * from './brokerData.ts';
export * from './intent.ts';
export * from './opsData.ts';
export * from './pairs.ts';
export type * from './ports.ts';
export * from './streams.ts';
export * from './upcast.ts';
export * from './validate.ts';
