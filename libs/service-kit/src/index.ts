export * from './config.js';
export * from './registry-log.js';
export * from './rpc-errors.js';
export * from './command-meta.js';
export * from './microservice.js';
export * from './as-of.js';
export * from './commit-history.js';
export * from './as-of-models.js';
