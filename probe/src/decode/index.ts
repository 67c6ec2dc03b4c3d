export { decodeFrame } from './link.js';
export * from './packet-info.js';
