export * from './subsidies.js';
export * from './tables.js';
