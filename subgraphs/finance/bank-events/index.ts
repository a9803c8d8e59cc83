export * from './bank-events.js';
export * from './tables.js';
