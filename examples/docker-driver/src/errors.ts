/**
 * The Docker driver's own error: a subclass of a contract error, so callers
 * that only know the contract still handle it (`ConfigurationError`, code
 * `CONFIGURATION_INVALID`, not retryable), and callers that know the driver
 * can tell it apart.
 *
 * @module
 */
import { ConfigurationError, type DriverErrorOptions } from "../../../src/index.js";

/**
 * The driver was told to enforce disk limits (`diskLimit: "enforce"`) and the
 * engine's storage driver cannot apply a per-container size limit (overlay2
 * applies one only on xfs mounted with `pquota`). Not retryable: the same
 * request fails again on this engine. Use `diskLimit: "best-effort"` or an
 * engine whose storage supports size limits.
 *
 * @example
 * ```ts
 * try { await driver.createContainer(config); }
 * catch (error) { if (error instanceof DiskLimitUnsupportedError) console.log(error.storageDriver); }
 * ```
 */
export class DiskLimitUnsupportedError extends ConfigurationError {
  /** The engine's storage driver, such as `overlay2`. */
  readonly storageDriver: string;
  /** The file system under it, such as `extfs`, when the engine reports one. */
  readonly backingFilesystem: string | undefined;

  constructor(storageDriver: string, backingFilesystem: string | undefined, options: DriverErrorOptions = {}) {
    const under = backingFilesystem === undefined ? "" : ` on ${backingFilesystem}`;
    super(
      `The engine's storage driver ${storageDriver}${under} cannot limit a container's disk size, and the driver ` +
        `is set to diskLimit: "enforce". Use diskLimit: "best-effort", or an engine with overlay2 on xfs (pquota), btrfs or zfs.`,
      {
        ...options,
        issues: [{ path: "resources.disk", message: `not enforceable by storage driver ${storageDriver}${under}` }],
      },
    );
    this.storageDriver = storageDriver;
    this.backingFilesystem = backingFilesystem;
  }
}
