/**
 * One engine call, the way every client of the driver makes it: bounded by a
 * deadline (`withTimeout`), mapped to the contract's errors
 * (`toDriverError`), and retried when that is safe (`withRetry`; a create
 * only when the request never reached the engine). The resource clients
 * (containers, volumes, networks) receive an {@link EngineScope} and make
 * every engine call through its {@link EngineCalls}, so the policy is stated
 * once.
 *
 * Also here: the few engine facts the clients share (status codes, the
 * engine's own message) and the shapes of dockerode calls whose type
 * declarations lag behind what it accepts.
 *
 * @module
 */
import type Docker from "dockerode";
import {
  type Clock,
  type ErrorMappingContext,
  getErrorMessage,
  isRetryableError,
  mayHaveTakenEffect,
  NetworkError,
  type RetryOptions,
  toDriverError,
  withRetry,
  withTimeout,
} from "../../../src/index.js";

/** The driver's retry policy for engine calls: `withRetry`'s options without those each call decides. */
export type EngineRetryOptions = Omit<RetryOptions, "shouldRetry" | "signal">;

/** How one call departs from the policy. Every field is optional. */
export type EngineCallOptions = {
  /** Time the call may take, in ms; `Infinity` for calls that wait on the container (follow). Default: the policy's. */
  readonly timeoutMs?: number;
  /** Retry only when the request never reached the engine: for creates, which are not idempotent. Default `false`. */
  readonly onlyIfNotSent?: boolean;
  /** Attempts in total; 1 disables retries (health checks report the present). Default: the policy's. */
  readonly maxAttempts?: number;
  /**
   * Cancels the call and its retries, for background work that `close()`
   * stops (the expiry sweep, the reconcile of unknown creates): the call
   * rejects promptly with the signal's reason. Default: none.
   */
  readonly signal?: AbortSignal;
};

/** What {@link EngineCalls} needs. */
export type EngineCallPolicy = {
  /** The driver's name, put in the context of every mapped error. */
  readonly driver: string;
  /** Time one call may take, in ms, before it fails with `TimeoutError`. */
  readonly timeoutMs: number;
  /** Retries of retryable errors; `{}` for `withRetry`'s defaults. */
  readonly retry: EngineRetryOptions;
  /** The time source of the deadlines. */
  readonly clock: Clock;
};

/**
 * The driver's engine-call policy: deadline, error mapping, retries.
 *
 * @example
 * ```ts
 * const calls = new EngineCalls({ driver: "docker", timeoutMs: 30_000, retry: {}, clock: systemClock });
 * const info = await calls.call({ operation: "getContainer", containerId: id }, (signal) =>
 *   docker.getContainer(id).inspect({ abortSignal: signal }),
 * );
 * ```
 */
export class EngineCalls {
  /** Time one call may take, in ms; a stop adds its grace period to it. */
  readonly timeoutMs: number;
  readonly #driver: string;
  readonly #retry: EngineRetryOptions;
  readonly #clock: Clock;

  constructor(policy: EngineCallPolicy) {
    this.timeoutMs = policy.timeoutMs;
    this.#driver = policy.driver;
    this.#retry = policy.retry;
    this.#clock = policy.clock;
  }

  /**
   * Run `fn` against the engine: bounded by the deadline (its `signal`
   * aborts the HTTP request), failures mapped by `toDriverError` with
   * `context`, retried by `withRetry` when the error is retryable (with
   * `onlyIfNotSent`, only when the request never reached the engine).
   */
  async call<T>(
    context: ErrorMappingContext,
    fn: (signal: AbortSignal, attempt: number) => Promise<T>,
    options: EngineCallOptions = {},
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const mapped = { ...context, driver: this.#driver, ...(Number.isFinite(timeoutMs) ? { timeoutMs } : {}) };
    return withRetry(
      async (attempt) => {
        try {
          return await withTimeout((signal) => fn(signal, attempt), timeoutMs, {
            operation: context.operation,
            clock: this.#clock,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
          });
        } catch (error) {
          // Cancelled by the caller: its reason, as is, so the caller tells it from an engine failure.
          if (options.signal?.aborted === true && error === options.signal.reason) throw error;
          throw toDriverError(error, mapped);
        }
      },
      {
        ...this.#retry,
        ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        shouldRetry: (error) =>
          options.onlyIfNotSent === true
            ? error instanceof NetworkError && !mayHaveTakenEffect(error)
            : isRetryableError(error),
      },
    );
  }
}

/**
 * What every resource client shares: the engine, its call policy, and whose
 * objects it may see and change (the ownership labels' driver and namespace).
 */
export type EngineScope = {
  /** The dockerode client. */
  readonly docker: Docker;
  /** The call policy every engine call goes through. */
  readonly calls: EngineCalls;
  /** The `org.openagent.driver` label of this driver's objects. */
  readonly driver: string;
  /** The `org.openagent.namespace` label of this instance's objects. */
  readonly namespace: string;
  /** The time source of `createdAt` fallbacks. */
  readonly clock: Clock;
};

/** The HTTP status of an engine error, when it has one. */
export function statusCodeOf(error: unknown): number | undefined {
  const code = typeof error === "object" && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  return typeof code === "number" ? code : undefined;
}

/** The engine answers 304 to starting a running or stopping a stopped container: a no-op in the contract. */
export async function ignoreNotModified(promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (statusCodeOf(error) !== 304) throw error;
  }
}

/** The engine's own message behind a (mapped) error, else the error's message. */
export function engineMessage(error: unknown): string {
  const cause = typeof error === "object" && error !== null ? (error as { cause?: unknown }).cause : undefined;
  const json =
    typeof cause === "object" && cause !== null ? (cause as { json?: { message?: unknown } }).json : undefined;
  return typeof json?.message === "string" ? json.message : getErrorMessage(error);
}

/** A volume as the engine's inspect describes it (dockerode's type lacks `CreatedAt`). */
export type VolumeInspect = Docker.VolumeInspectInfo & { CreatedAt?: string };

/** A network as the engine's inspect describes it: the fields the driver reads. */
export type NetworkInspect = {
  Id: string;
  Name: string;
  Driver: string;
  Created?: string;
  Labels?: Record<string, string> | null;
};

/** The engine's `info`: the fields the driver reads. */
export type EngineInfo = { Driver?: string; DriverStatus?: [string, string][] };

/** dockerode accepts an abort signal on these calls; its type declarations do not say so. */
export type EngineWithSignal = {
  version(options: { abortSignal: AbortSignal }): Promise<Docker.DockerVersion>;
  info(options: { abortSignal: AbortSignal }): Promise<EngineInfo>;
};

/** As {@link EngineWithSignal}, for a network's inspect. */
export type NetworkWithSignal = { inspect(options: { abortSignal: AbortSignal }): Promise<NetworkInspect> };
