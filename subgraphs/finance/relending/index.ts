export * from './relending.js';
export * from './tables.js';
