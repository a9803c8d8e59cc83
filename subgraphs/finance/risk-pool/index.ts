export * from './risk-pool.js';
export * from './tables.js';
