/**
 * Idempotent creates: a create whose config carries an `idempotencyKey`
 * returns the container the key already names when the config is the same
 * (compared as a canonical fingerprint), rejects with
 * `IdempotencyConflictError` when it is not, and makes a new container when
 * the key names none (never used, or its container was removed). The key
 * index belongs to the runtime, so drivers sharing a runtime share it, and
 * the lookup and the insert happen in one synchronous step, so creates that
 * race cannot both make a container.
 *
 * @module
 */
import { type ContainerConfig, IdempotencyConflictError } from "../../src/index.js";
import type { EngineState } from "./state.js";
import type { ContainerRecord } from "./store.js";

/** A value as canonical JSON: object keys sorted, bytes as base64, so equal configs give equal strings. */
function canonical(value: unknown): string {
  if (value instanceof Uint8Array) return JSON.stringify({ bytes: Buffer.from(value).toString("base64") });
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonical(entry)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * The fingerprint of a validated config: everything but the key itself.
 *
 * @example
 * ```ts
 * fingerprintOf(parsed) === fingerprintOf({ ...parsed, labels: { ...parsed.labels } }); // true
 * ```
 */
export function fingerprintOf(config: ContainerConfig): string {
  const { idempotencyKey: _key, ...rest } = config;
  return canonical(rest);
}

/**
 * The container `key` names when `fingerprint` matches its config;
 * `undefined` when the key names none (or there is no key);
 * `IdempotencyConflictError` when it names one made from another config.
 *
 * @example
 * ```ts
 * const existing = findKeyed(state, parsed.idempotencyKey, fingerprint, "createContainer");
 * ```
 */
export function findKeyed(
  state: EngineState,
  key: string | undefined,
  fingerprint: string | undefined,
  operation: string,
): ContainerRecord | undefined {
  if (key === undefined) return undefined;
  const existing = state.runtime.keys.get(key);
  if (existing === undefined) return undefined;
  if (existing.fingerprint === fingerprint) return existing;
  throw new IdempotencyConflictError(key, existing.id, {
    context: { driver: state.name, operation, idempotencyKey: key, containerId: existing.id },
  });
}
