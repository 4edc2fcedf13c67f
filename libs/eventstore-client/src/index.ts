export * from './event-store.js';
export * from './errors.js';
export * from './hash-chain.js';
export * from './verify.js';
export * from './live-projection.js';
export * from './keyed-mutex.js';
export * from './command-runner.js';
export * from './public-stream.js';
