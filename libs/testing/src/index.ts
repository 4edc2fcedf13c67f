export * from './servers.js';
export * from './gilt-stack.js';
