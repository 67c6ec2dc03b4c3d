export { probeMain } from './main.js';
export { FlowTable, DEFAULT_FLOW_OPTIONS, type FlowTableOptions, type FlowSink } from './flowtable/flow-table.js';
export { CaptureFileReader, CaptureFileError } from './capture/file-reader.js';
export { replayFiles } from './capture/replay.js';
export { decodeFrame, PacketInfo } from './decode/index.js';
