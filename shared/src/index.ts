export * from './flow-record.js';
export * from './errors.js';
export * from './lifecycle.js';
export * from './ip.js';
export * from './cidr.js';
export * from './topics.js';
export * from './services.js';
export * from './cli.js';
