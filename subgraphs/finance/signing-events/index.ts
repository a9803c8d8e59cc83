export * from './signing-events.js';
export * from './tables.js';
