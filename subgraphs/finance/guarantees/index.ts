export * from './guarantees.js';
export * from './tables.js';
