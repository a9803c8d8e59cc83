export * from './credit-workflow.js';
export * from './tables.js';
