export * from './early-spring.js';
