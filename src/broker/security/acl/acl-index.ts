// The ACLs in memory, indexed for the check every request makes. Per resource type: literal bindings by
// name (the literal "*" is one more key), and prefixed bindings by their prefix together with the set of
// prefix lengths in use. A check therefore costs two map lookups plus one per distinct prefix length no
// longer than the name — independent of how many ACLs exist (10,000 or 10).
import {
  type AclBinding,
  type AclFilter,
  bindingKey,
  filterMatches,
  type Operation,
  type ResourceType,
  WILDCARD,
  WILDCARD_PRINCIPAL,
} from './types.js';

/** Operations an allow of `granted` also allows (Kafka: Read, Write, Delete, Alter imply Describe; AlterConfigs implies DescribeConfigs). */
const IMPLIED_BY: Readonly<Partial<Record<Operation, ReadonlySet<Operation>>>> = {
  Describe: new Set<Operation>(['Describe', 'Read', 'Write', 'Delete', 'Alter']),
  DescribeConfigs: new Set<Operation>(['DescribeConfigs', 'AlterConfigs']),
};

function allowsOperation(granted: Operation, wanted: Operation): boolean {
  if (granted === 'All' || granted === wanted) return true;
  return IMPLIED_BY[wanted]?.has(granted) ?? false;
}

/** The subject of a check: who, from where. */
export interface Requester {
  /** "User:alice". */
  readonly principal: string;
  readonly host: string;
}

function appliesTo(b: AclBinding, who: Requester): boolean {
  return (
    (b.principal === who.principal || b.principal === WILDCARD_PRINCIPAL) &&
    (b.host === who.host || b.host === WILDCARD)
  );
}

/** Where a check stands after scanning some lists of bindings (scan()). */
const NOT_ALLOWED = 0;
const ALLOWED = 1;
const DENIED = 2;
type Verdict = typeof NOT_ALLOWED | typeof ALLOWED | typeof DENIED;

/** One list of covering bindings applied to the verdict so far: a deny that applies ends the check. */
function scan(
  list: readonly AclBinding[] | undefined,
  who: Requester,
  operation: Operation,
  verdict: Verdict,
): Verdict {
  if (list === undefined) return verdict;
  for (let i = 0; i < list.length; i++) {
    const b = list[i]!;
    if (!appliesTo(b, who)) continue;
    if (b.permission === 'deny') {
      if (b.operation === operation || b.operation === 'All') return DENIED;
    } else if (verdict === NOT_ALLOWED && allowsOperation(b.operation, operation)) {
      verdict = ALLOWED;
    }
  }
  return verdict;
}

class TypeIndex {
  readonly literal = new Map<string, AclBinding[]>();
  readonly prefixed = new Map<string, AclBinding[]>();
  /** Distinct prefix lengths in `prefixed`, with how many prefixes have each length. */
  readonly prefixLengths = new Map<number, number>();
  /** prefixLengths' keys, ascending (rebuilt when a length appears or disappears). */
  lengths: number[] = [];

  add(b: AclBinding): void {
    const map = b.patternType === 'literal' ? this.literal : this.prefixed;
    const list = map.get(b.resourceName);
    if (list) {
      list.push(b);
      return;
    }
    map.set(b.resourceName, [b]);
    if (b.patternType === 'prefixed') this.countLength(b.resourceName.length, 1);
  }

  remove(b: AclBinding): void {
    const map = b.patternType === 'literal' ? this.literal : this.prefixed;
    const list = map.get(b.resourceName);
    if (!list) return;
    const at = list.indexOf(b);
    if (at >= 0) list.splice(at, 1);
    if (list.length > 0) return;
    map.delete(b.resourceName);
    if (b.patternType === 'prefixed') this.countLength(b.resourceName.length, -1);
  }

  /**
   * The verdict of every binding whose pattern covers `name`: the literal name, the literal "*", then each
   * prefix length in use. Plain loops, no generator or array: this runs on every request.
   */
  check(who: Requester, operation: Operation, name: string): Verdict {
    let verdict = scan(this.literal.get(name), who, operation, NOT_ALLOWED);
    if (verdict !== DENIED && name !== WILDCARD) verdict = scan(this.literal.get(WILDCARD), who, operation, verdict);
    const lengths = this.lengths;
    for (let i = 0; i < lengths.length && verdict !== DENIED; i++) {
      const length = lengths[i]!;
      if (length > name.length) break;
      const prefix = length === name.length ? name : name.slice(0, length);
      verdict = scan(this.prefixed.get(prefix), who, operation, verdict);
    }
    return verdict;
  }

  private countLength(length: number, delta: 1 | -1): void {
    const count = (this.prefixLengths.get(length) ?? 0) + delta;
    if (count > 0) this.prefixLengths.set(length, count);
    else this.prefixLengths.delete(length);
    if (count === 0 || (delta === 1 && count === 1))
      this.lengths = [...this.prefixLengths.keys()].sort((a, b) => a - b);
  }
}

export class AclIndex {
  readonly #byKey = new Map<string, AclBinding>();
  readonly #byType = new Map<ResourceType, TypeIndex>();

  get size(): number {
    return this.#byKey.size;
  }

  /** Adds a binding (already validated); false when the same ACL exists. */
  add(binding: AclBinding): boolean {
    const key = bindingKey(binding);
    if (this.#byKey.has(key)) return false;
    this.#byKey.set(key, binding);
    let index = this.#byType.get(binding.resourceType);
    if (!index) this.#byType.set(binding.resourceType, (index = new TypeIndex()));
    index.add(binding);
    return true;
  }

  remove(binding: AclBinding): boolean {
    const key = bindingKey(binding);
    const stored = this.#byKey.get(key);
    if (!stored) return false;
    this.#byKey.delete(key);
    this.#byType.get(stored.resourceType)?.remove(stored);
    return true;
  }

  all(): AclBinding[] {
    return [...this.#byKey.values()];
  }

  matching(filter: AclFilter): AclBinding[] {
    return this.all().filter((b) => filterMatches(filter, b));
  }

  /**
   * Kafka's rule: a deny that applies (same operation, or All) wins; else an allow of the operation, of
   * All, or of one implying it, allows; else denied.
   */
  allows(who: Requester, operation: Operation, resourceType: ResourceType, name: string): boolean {
    const index = this.#byType.get(resourceType);
    if (!index) return false;
    return index.check(who, operation, name) === ALLOWED;
  }

  /**
   * True when some resource of this type may be `operation`ed by `who` (Kafka's authorizeByResourceType,
   * KIP-679: an idempotent producer needs Write on some topic): an applying allow exists and no applying
   * deny covers every name (a literal "*" deny).
   */
  allowsAny(who: Requester, operation: Operation, resourceType: ResourceType): boolean {
    const index = this.#byType.get(resourceType);
    if (!index) return false;
    for (const b of index.literal.get(WILDCARD) ?? []) {
      if (b.permission === 'deny' && appliesTo(b, who) && (b.operation === operation || b.operation === 'All'))
        return false;
    }
    for (const map of [index.literal, index.prefixed]) {
      for (const list of map.values()) {
        for (const b of list) {
          if (b.permission === 'allow' && appliesTo(b, who) && allowsOperation(b.operation, operation)) return true;
        }
      }
    }
    return false;
  }
}
