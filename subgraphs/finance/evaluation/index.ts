export * from './evaluation.js';
export * from './scoring.js';
export * from './tables.js';
