export * from './bucket/bucket-state.js';
export * from './bucket/bucket-decider.js';
export * from './channel/channel-state.js';
export * from './read-model/registry-read-model.js';
export * from './packer/manifest-parser.js';
export * from './channel/channel-decider.js';
