export * from './batch.js';
export * from './codec.js';
export { WireFormatError, ByteReader, ByteWriter } from './varint.js';
export * from './status.js';
