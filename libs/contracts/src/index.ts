export * from './events.js';
export * from './subjects.js';
export * from './errors.js';
export * from './names.js';
export * from './commands.js';
export * from './queries.js';
export * from './public-events.js';
export * from './history.js';
