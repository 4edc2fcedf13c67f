export * from './servers.js';
export * from './gilt-stack.js';
export * from './json-schema.js';
export * from './log-seeder.js';
