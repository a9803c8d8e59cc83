export * from './enterprise-profiles.js';
