export * from './notices.js';
export * from './tables.js';
