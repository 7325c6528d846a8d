/**
 * Values that throw: every way of throwing a validator or an error mapper
 * must survive (what is thrown, and where it is placed), for the hostile
 * property tests and hostile-variants.ts.
 */

/**
 * One way of throwing: what is thrown, named for the failure message.
 * `large` ones (long strings, big arrays) test that messages stay short; they
 * cost milliseconds each, so {@link hostileVariants} uses them at a few
 * positions only.
 */
export type ThrownValue = { readonly kind: string; readonly make: () => unknown; readonly large?: boolean };

/** A function that throws `thrown` each time, whatever it is called with. */
export function throwerOf(thrown: ThrownValue): () => never {
  return () => {
    throw thrown.make();
  };
}

/** An object whose every conversion to a primitive throws. */
function unprintable(): object {
  const fail = () => {
    throw Object.create(null);
  };
  return { toString: fail, valueOf: fail, [Symbol.toPrimitive]: fail, toJSON: fail };
}

/** An `Error` whose `message`, `name` and `stack` getters throw the given ones (all three when none). */
function errorWithThrowingGetters(keys: readonly ("message" | "name" | "stack")[]): Error {
  const error = new Error("hidden");
  // V8 formats a lazy stack from `name` and `message` when `stack` is redefined: the stack goes first.
  for (const key of [...keys].sort((a, b) => Number(b === "stack") - Number(a === "stack"))) {
    Object.defineProperty(error, key, {
      configurable: true,
      get() {
        throw Object.create(null);
      },
    });
  }
  return error;
}

/** A Proxy over `target` whose every trap throws a null-prototype object. */
export function trapEverything<T extends object>(target: T, thrown?: ThrownValue): T {
  const fail = () => {
    throw thrown === undefined ? Object.create(null) : thrown.make();
  };
  return new Proxy(target, {
    get: fail,
    set: fail,
    has: fail,
    ownKeys: fail,
    getOwnPropertyDescriptor: fail,
    defineProperty: fail,
    deleteProperty: fail,
    getPrototypeOf: fail,
    setPrototypeOf: fail,
    isExtensible: fail,
    preventExtensions: fail,
    apply: fail,
    construct: fail,
  });
}

/** A revoked Proxy: every operation on it, `Array.isArray` and `typeof` aside, throws a TypeError. */
export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/**
 * Everything a getter, a Proxy trap or a driver's dependency can throw that
 * is not a well-behaved `Error`: each was thrown through a parse function or
 * `toDriverError` once and escaped as a `TypeError`.
 */
export const THROWN_VALUES: readonly ThrownValue[] = [
  { kind: "a null-prototype object", make: () => Object.create(null) },
  {
    kind: "an object whose toString throws",
    make: () => ({
      toString() {
        throw new Error("toString");
      },
    }),
  },
  {
    kind: "an object whose valueOf throws",
    make: () => ({
      valueOf() {
        throw Object.create(null);
      },
    }),
  },
  {
    kind: "an object whose Symbol.toPrimitive throws",
    make: () => ({
      [Symbol.toPrimitive]() {
        throw Object.create(null);
      },
    }),
  },
  { kind: "an object no conversion works on", make: unprintable },
  { kind: "an Error whose message getter throws", make: () => errorWithThrowingGetters(["message"]) },
  { kind: "an Error whose name getter throws", make: () => errorWithThrowingGetters(["name"]) },
  { kind: "an Error whose stack getter throws", make: () => errorWithThrowingGetters(["stack"]) },
  {
    kind: "an Error whose message, name and stack getters throw",
    make: () => errorWithThrowingGetters(["message", "name", "stack"]),
  },
  { kind: "a revoked Proxy", make: revokedProxy },
  { kind: "a Proxy whose every trap throws", make: () => trapEverything({}) },
  { kind: "a Proxy of an Error whose every trap throws", make: () => trapEverything(new Error("proxied")) },
  { kind: "a Symbol", make: () => Symbol("thrown") },
  { kind: "undefined", make: () => undefined },
  { kind: "a 500 kB string", make: () => "x".repeat(500_000), large: true },
  { kind: "an Error with a 500 kB message", make: () => new Error("m".repeat(500_000)), large: true },
  { kind: "an array of 50 000 entries", make: () => new Array(50_000).fill("entry"), large: true },
];

/**
 * A hostile value put in place of a field. `unreadable` ones throw on the
 * reads any validator must make (its keys, its fields), so every input that
 * holds one is invalid; the others (an object whose conversions throw, a
 * Proxy whose only `has` trap throws) may be valid or not, but the answer
 * must not throw and validators and parsers must agree on it.
 */
export type PlacedValue = {
  readonly kind: string;
  readonly unreadable: boolean;
  /** Whether what it throws is large (see {@link ThrownValue}). */
  readonly large?: boolean;
  readonly make: (original: unknown) => unknown;
};

/**
 * Values that replace a field of an input: a getter is one way (see
 * {@link hostileVariants}), these are the others: an object that throws on
 * any read, a Proxy over the original value with throwing traps, objects
 * whose conversions throw.
 */
export const PLACED_VALUES: readonly PlacedValue[] = [
  { kind: "a revoked Proxy", unreadable: true, make: () => revokedProxy() },
  { kind: "an object no conversion works on", unreadable: false, make: () => unprintable() },
  {
    kind: "an Error whose message, name and stack getters throw",
    unreadable: false,
    make: () => errorWithThrowingGetters(["message", "name", "stack"]),
  },
  ...THROWN_VALUES.map((thrown) => ({
    kind: `a Proxy of the original value whose traps throw ${thrown.kind}`,
    unreadable: true,
    large: thrown.large === true,
    make: (original: unknown) =>
      trapEverything(typeof original === "object" && original !== null ? original : {}, thrown),
  })),
  {
    kind: "a Proxy whose has trap throws",
    unreadable: false,
    make: (original: unknown) =>
      new Proxy(typeof original === "object" && original !== null ? original : {}, {
        has() {
          throw Object.create(null);
        },
      }),
  },
  {
    kind: "a Proxy whose ownKeys trap throws",
    // An array is read by index, so an array behind it can be valid.
    unreadable: false,
    make: (original: unknown) =>
      new Proxy(typeof original === "object" && original !== null ? original : {}, {
        ownKeys() {
          throw Object.create(null);
        },
      }),
  },
];
