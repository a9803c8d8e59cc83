export * from './main-bank.js';
export * from './need-input.js';
export * from './need-workflow.js';
export * from './prospect-feed.js';
export * from './tables.js';
