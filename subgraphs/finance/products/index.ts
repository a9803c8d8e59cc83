export * from './product-input.js';
export * from './products.js';
