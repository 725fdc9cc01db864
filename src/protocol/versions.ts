// Version ranges as message definitions write them ('N+', 'N-M', 'N', 'none'), shared by the native
// definitions (schema.ts) and Kafka's (kafka/schema.ts): which versions carry a field, which may be null,
// which an API serves.

/** A version range as written in definitions: 'N+', 'N-M', 'N' or 'none'. */
export interface VersionRange {
  readonly min: number;
  /** Inclusive; Infinity for 'N+'. */
  readonly max: number;
}

const NONE: VersionRange = Object.freeze({ min: 1, max: 0 });
const rangeCache = new Map<string, VersionRange>();

export function parseVersions(text: string | undefined): VersionRange {
  if (text === undefined || text === 'none') return NONE;
  let range = rangeCache.get(text);
  if (range) return range;
  const m = /^(\d+)(?:(\+)|-(\d+))?$/.exec(text);
  if (!m) throw new Error(`bad version range '${text}'`);
  const min = Number(m[1]);
  range = Object.freeze({ min, max: m[2] ? Number.POSITIVE_INFINITY : m[3] !== undefined ? Number(m[3]) : min });
  if (range.max < range.min) throw new Error(`bad version range '${text}'`);
  rangeCache.set(text, range);
  return range;
}

export function inVersions(text: string | undefined, version: number): boolean {
  const r = parseVersions(text);
  return version >= r.min && version <= r.max;
}

/** A range as the generated docs print it: 'none', '3+', '5', '0–2'. */
export function formatVersions(text: string | undefined): string {
  const r = parseVersions(text);
  if (r.min > r.max) return 'none';
  if (r.max === Number.POSITIVE_INFINITY) return `${r.min}+`;
  return r.min === r.max ? `${r.min}` : `${r.min}–${r.max}`;
}
