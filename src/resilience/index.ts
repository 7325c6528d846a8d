/**
 * The resilience toolkit: correct, tested versions of what every driver
 * otherwise hand-writes: retry with backoff (`withRetry`), deadlines
 * (`withTimeout`), a circuit breaker (`CircuitBreaker`), per-key locking
 * (`KeyedMutex`), mapping of runtime errors to the contract's
 * (`toDriverError`), and a driver wrapper that applies them
 * (`withPolicies`). docs/RESILIENCE.md documents every option.
 *
 * The exports are listed by name: the modules also hold internal helpers
 * (the signal-free retry loop and deadline race the wrapper uses) that are
 * not part of the package's API.
 *
 * @module
 */
export {
  CIRCUIT_STATES,
  CIRCUIT_TRANSITIONS,
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitEvent,
  type CircuitState,
  type CircuitStateChange,
  type CircuitStateListener,
  circuitTransition,
  DEFAULT_CIRCUIT_BREAKER_OPTIONS,
  isCircuitFailure,
} from "./circuit-breaker.js";
export { CONNECT_SYSCALLS, ERRNO_MAPPING } from "./error-facts.js";
export { KeyedMutex, type RunExclusiveOptions } from "./keyed-mutex.js";
export {
  DEFAULT_RETRY_OPTIONS,
  JITTER_STRATEGIES,
  type JitterStrategy,
  nextRetryDelay,
  type ResolvedRetryDelays,
  type RetryAttemptInfo,
  type RetryDelayInput,
  type RetryOptions,
  resolveRetryDelays,
  withRetry,
} from "./retry.js";
export { type TimeoutOptions, withTimeout } from "./timeout.js";
export {
  EFFECT_UNKNOWN_CONTEXT_KEY,
  ERROR_MAPPING_RULES,
  type ErrorMappingContext,
  type ErrorMappingRule,
  mappingContextFor,
  mayHaveTakenEffect,
  REQUEST_SENT_CONTEXT_KEY,
  toDriverError,
} from "./to-driver-error.js";
export {
  attemptDeadline,
  DEFAULT_METHOD_POLICIES,
  DEFAULT_POLICY_TIMEOUT_MS,
  type DriverRetryPolicy,
  defaultShouldRetry,
  type MethodPolicy,
  type PolicyDefaults,
  type ResolvedMethodPolicy,
  resolveMethodPolicy,
} from "./method-policy.js";
export {
  type DriverPolicies,
  type DriverRetryInfo,
  type LateCreationInfo,
  type WrappedDriver,
  withPolicies,
} from "./with-policies.js";
