export * from './events.js';
export * from './subjects.js';
export * from './errors.js';
export * from './names.js';
export * from './commands.js';
