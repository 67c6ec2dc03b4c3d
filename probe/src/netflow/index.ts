// The NetFlow v5/v9 and IPFIX input stage: datagrams in, bidirectional FlowRecords out through a
// `send(record)` sink. `createFlowExportListener` is the component (sockets, template store);
// `Collector` is the same path without sockets.
export {
  createFlowExportListener,
  DEFAULT_RECV_BUFFER,
  type FlowExportListener,
  type FlowExportListenerConfig,
  type FlowExportListenerDeps,
  type ListenerCounters,
  type SocketCounters,
} from './listener.js';
export { Collector, DEFAULT_COLLECTOR, type CollectorCounters, type CollectorOptions } from './collector.js';
export { REJECT_REASONS, type RejectReason } from './types.js';
export { parseListenAddress } from './address.js';
