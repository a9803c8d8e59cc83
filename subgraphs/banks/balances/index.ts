export * from './balances.js';
export * from './tables.js';
