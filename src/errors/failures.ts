/**
 * How to build each operation's own failure error from what the operation was
 * about and why it failed. The method table names a failure error per method;
 * its type only admits names that have a builder here, so a new failure error
 * cannot be named without saying how to build it.
 *
 * @module
 */
import {
  ContainerCreationError,
  ContainerRemoveError,
  ContainerStartError,
  ContainerStopError,
  DriverHealthError,
  ExecError,
  NetworkCreationError,
  NetworkRemoveError,
  VolumeCreationError,
  VolumeRemoveError,
} from "./classes.js";
import type { DriverErrorName, DriverErrorOptions } from "./definitions.js";
import type { DriverError } from "./driver-error.js";

/**
 * Builds a failure error. `subject` is the id or name the operation was about
 * (`"(unknown)"` when the caller did not say); `reason` is why it failed;
 * `details` is what the runtime answered, for the errors that keep it.
 */
export type FailureErrorBuilder = (
  subject: string,
  reason: string,
  options: DriverErrorOptions,
  details?: unknown,
) => DriverError;

/**
 * The builder of every error that a method table row may name as its
 * `failure`.
 *
 * @example
 * ```ts
 * FAILURE_ERRORS.ContainerStartError("c-1", "engine answered 500", {}); // a ContainerStartError
 * ```
 */
export const FAILURE_ERRORS = Object.freeze({
  ContainerCreationError: (_subject, reason, options, details) =>
    new ContainerCreationError(`Container could not be created: ${reason}`, details, options),
  ContainerStartError: (subject, reason, options) => new ContainerStartError(subject, reason, options),
  ContainerStopError: (subject, reason, options) => new ContainerStopError(subject, reason, options),
  ContainerRemoveError: (subject, reason, options) => new ContainerRemoveError(subject, reason, options),
  VolumeCreationError: (subject, reason, options) => new VolumeCreationError(subject, reason, options),
  VolumeRemoveError: (subject, reason, options) => new VolumeRemoveError(subject, reason, options),
  NetworkCreationError: (subject, reason, options) => new NetworkCreationError(subject, reason, options),
  NetworkRemoveError: (subject, reason, options) => new NetworkRemoveError(subject, reason, options),
  DriverHealthError: (_subject, reason, options) =>
    new DriverHealthError(`Driver health check failed: ${reason}`, options),
  ExecError: (subject, reason, options) => new ExecError(subject, reason, options),
} satisfies Partial<Record<DriverErrorName, FailureErrorBuilder>>);

/** The name of an error that can be an operation's failure error: one with a builder in {@link FAILURE_ERRORS}. */
export type FailureErrorName = keyof typeof FAILURE_ERRORS;
