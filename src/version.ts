/**
 * The package's version, in a module of its own so that every entry point
 * (the root, the conformance report) reads the same constant.
 *
 * @module
 */

/** The version of this package, equal to `version` in its package.json. */
export const VERSION = "1.1.0";
