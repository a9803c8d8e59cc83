export * from './listing-seeds.js';
export * from './tables.js';
