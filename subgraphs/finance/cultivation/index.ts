export * from './cultivation.js';
export * from './tables.js';
