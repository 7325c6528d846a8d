/**
 * The resilience toolkit: correct, tested versions of what every driver
 * otherwise hand-writes: retry with backoff (`withRetry`), deadlines
 * (`withTimeout`), a circuit breaker (`CircuitBreaker`), per-key locking
 * (`KeyedMutex`), mapping of runtime errors to the contract's
 * (`toDriverError`), and a driver wrapper that applies them
 * (`withPolicies`). docs/RESILIENCE.md documents every option.
 *
 * @module
 */
export * from "./circuit-breaker.js";
export * from "./keyed-mutex.js";
export * from "./retry.js";
export * from "./timeout.js";
export * from "./to-driver-error.js";
export * from "./with-policies.js";
