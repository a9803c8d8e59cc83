export * from './assessment.js';
