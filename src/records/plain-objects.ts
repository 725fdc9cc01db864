// Constructors for the plain objects a hot decode loop makes per record (messages, their payloads, empty
// headers). V8 tracks the survival of an object literal's objects and, once a young-generation collection
// finds nearly all of them alive (as it does while a consumer holds a slice of a thousand or more), allocates
// that literal's objects in the old generation from then on, where each costs a full collection's work.
// Objects made by `new` are always allocated young. The constructor's prototype is Object.prototype, so what
// it makes is a plain object with the same own enumerable fields, in the same order, as the literal's.

/** `init` (which sets the fields on `this`) as a constructor of plain objects. */
export function plainObjectConstructor<T, Args extends unknown[]>(
  init: (this: T, ...args: Args) => void,
): new (
  ...args: Args
) => T {
  init.prototype = Object.prototype;
  return init as unknown as new (
    ...args: Args
  ) => T;
}
