export { PcapWriter, PCAP_MAGIC_US, LINKTYPE_ETHERNET, PCAP_SNAPLEN, type PcapWriterOptions } from './pcap-writer.js';
export { buildFrame, frameLength, ipLength, newPacketSpec, ipv6Bytes, type PacketSpec, TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK } from './packets.js';
export { Rng, hashKey } from './prng.js';
export { DEFAULT_START_MS, DAY_MS, HOUR_MS, MINUTE_MS, isLastDayOfMonth, isBusinessHour } from './calendar.js';
export type { Period, EdgeLabel, Close, Conversation, Shape } from './conversation.js';
export { buildTopology, SEGMENTS, NTP_POOL_IP, ANOMALY_EXTERNAL_IP, type SegmentDef, type Host, type Addr, type Topology } from './topology.js';
export { JOBS, FILES_MEAN_GAP_MS } from './traffic-jobs.js';
export type { AnomalyKind } from './traffic-anomalies.js';
export { L as LABELS } from './labels.js';
export { EPHEMERAL_LOW, EPHEMERAL_HIGH, TUPLE_QUIET_US } from './ports.js';
export { buildScenario, resolveOptions, ScenarioOptionError, type Scenario, type ScenarioOptions, type ResolvedScenarioOptions } from './scenario.js';
export {
  scenarioTruth,
  truthToJson,
  parseTruth,
  readTruth,
  writeTruth,
  CONVERSATION_COLUMNS,
  type ScenarioTruth,
  type TruthConversation,
  type TruthEdge,
  type TruthHost,
} from './truth.js';
export { writeScenario, writeScenarioPcap, type WriteScenarioOptions, type WriteStats } from './write.js';
export { writeBenchCapture, BenchOptionError, type BenchCaptureOptions, type BenchCaptureStats } from './bench-capture.js';
export { scenarioMain, SCENARIO_USAGE } from './cli.js';
export { nameAt, nameFactTimes, namesTruth, type NamesTruth, type NameInterval, type NameTruthAddress, type NameFact } from './names-truth.js';
export { DOMAIN as NAMES_DOMAIN, MOVING_LEASE_IP, SAAS_IP, SAAS_NAME, GRAFANA_NAME } from './names-site.js';
export { writeMultiProbeCaptures, type MultiProbeOptions, type MultiProbeStats } from './multiprobe.js';
export { buildPolicySite, writePolicySite, type PolicySiteOptions, type PolicySiteFacts, type PolicySiteTruth } from './policy-site.js';
export { ANOMALY_HIGH_PORT, type PolicyAnomalyKind } from './policy-anomalies.js';
export { splitCapture } from './pcap-split.js';
