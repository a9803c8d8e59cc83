export * from './ratings.js';
export * from './tables.js';
