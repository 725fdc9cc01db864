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

  /** Every binding whose pattern covers `name`, list by list (no array built for the common case). */
  *covering(name: string): Iterable<readonly AclBinding[]> {
    const exact = this.literal.get(name);
    if (exact) yield exact;
    if (name !== WILDCARD) {
      const any = this.literal.get(WILDCARD);
      if (any) yield any;
    }
    for (const length of this.lengths) {
      if (length > name.length) break;
      const list = this.prefixed.get(length === name.length ? name : name.slice(0, length));
      if (list) yield list;
    }
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
    let allowed = false;
    for (const list of index.covering(name)) {
      for (const b of list) {
        if (!appliesTo(b, who)) continue;
        if (b.permission === 'deny') {
          if (b.operation === operation || b.operation === 'All') return false;
        } else if (!allowed && allowsOperation(b.operation, operation)) {
          allowed = true;
        }
      }
    }
    return allowed;
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
