// Share groups: queues on the log (issue 15). Many members per partition, per-record acquisition locks,
// acknowledgements, retries with backoff, dead letters, delayed and prioritised delivery.
export { ShareCoordinator } from './coordinator.js';
export type {
  AckEntry,
  AckResult,
  FetchedRecord,
  HeartbeatInput,
  HeartbeatResult,
  ResetTarget,
  ShareGroupDescription,
  ShareGroupListing,
} from './coordinator.js';
export { DEFAULT_SHARE_GROUPS_CONFIG, resolveShareGroupsConfig } from './config.js';
export type { ShareGroupsConfig } from './config.js';
export { ShareError } from './errors.js';
export type { ShareProblem } from './errors.js';
export { startShareService, SHARE_DIR } from './service.js';
export type { ShareService } from './service.js';
export { SHARE_STATE_TOPIC } from './state-store.js';
export type { ShareGroupConfig } from './state-codec.js';
export { SharePartition } from './share-partition.js';
export { TRANSITIONS as SHARE_RECORD_TRANSITIONS } from './record-state.js';
export type { RecordState } from './record-state.js';
export type { AckType } from './share-partition.js';
