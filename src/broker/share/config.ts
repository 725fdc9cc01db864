// Broker-wide settings of share groups (BrokerOptions.shareGroups), validated once.

export interface ShareGroupsConfig {
  /**
   * At most this many unsettled records per share-partition are in memory past its start offset. It is
   * also the priority look-ahead: a higher-priority record overtakes lower ones only within this window.
   */
  readonly windowRecords: number;
  /**
   * Records waiting for a retry or a delivery time leave the window once the start offset reaches them
   * (so a long delay holds up nothing behind it), at most this many per share-partition; past that they
   * hold the start offset as other unsettled records do.
   */
  readonly parkedRecords: number;
  /** A member that sends no heartbeat (or fetch) for this long leaves the group and its locks are released. */
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** The lock duration when a group does not set one. */
  readonly defaultLockTimeoutMs: number;
  readonly maxLockTimeoutMs: number;
  /** The largest maxInFlight a member may ask for. */
  readonly maxInFlightLimit: number;
  /**
   * `__share_group_state` is rewritten as a snapshot of the live state, and everything before it dropped,
   * once this many bytes (or twice the last snapshot, if more) were written since the last snapshot. It is
   * also the state topic's segment size, so the disk it takes stays within a few times this.
   */
  readonly stateSnapshotBytes: number;
}

export const DEFAULT_SHARE_GROUPS_CONFIG: ShareGroupsConfig = Object.freeze({
  windowRecords: 1000,
  parkedRecords: 10_000,
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 5_000,
  defaultLockTimeoutMs: 30_000,
  maxLockTimeoutMs: 3600_000,
  maxInFlightLimit: 10_000,
  stateSnapshotBytes: 8 * 1024 * 1024,
});

/** Defaults filled in; throws a RangeError naming the first value out of range. */
export function resolveShareGroupsConfig(input: Partial<ShareGroupsConfig> = {}): ShareGroupsConfig {
  const config = { ...DEFAULT_SHARE_GROUPS_CONFIG, ...input };
  const check = (name: keyof ShareGroupsConfig, min: number, max: number) => {
    const value = config[name];
    if (!Number.isSafeInteger(value) || value < min || value > max)
      throw new RangeError(`shareGroups.${name} must be an integer from ${min} to ${max}, got ${value}`);
  };
  check('windowRecords', 1, 1_000_000);
  check('parkedRecords', 0, 10_000_000);
  check('sessionTimeoutMs', 1000, 3600_000);
  check('heartbeatIntervalMs', 100, config.sessionTimeoutMs);
  check('maxLockTimeoutMs', 1000, 24 * 3600_000);
  check('defaultLockTimeoutMs', 100, config.maxLockTimeoutMs);
  check('maxInFlightLimit', 1, 1_000_000);
  check('stateSnapshotBytes', 4096, 1024 * 1024 * 1024);
  return Object.freeze(config);
}
