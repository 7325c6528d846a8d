/**
 * The value rules of the contract: name patterns, size limits, path rules,
 * reserved names and the constants every driver shares. Each rule is defined
 * here once; the schemas (`./schemas.ts`), the builders, the mocks, the
 * drivers and the conformance suite import it.
 *
 * @module
 */
import { z } from "zod";
import type { VolumeMount } from "./schemas.js";

// ---------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------

/**
 * The network name that means "no network": the container gets only a
 * loopback interface. Reserved: no network may be created under this name.
 */
export const NO_NETWORK = "none";

/** The grace period of `stopContainer` between the polite signal and the kill, when the caller gives none, in ms. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

/**
 * The longest delay a timer can wait: `setTimeout` fires at once for anything
 * longer (2^31 - 1 ms, about 24.8 days), which would turn a long timeout into
 * none at all.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Label keys that start with this prefix are reserved for drivers' own
 * bookkeeping (ownership, namespace, markers). A driver may refuse them in a
 * config with `ConfigurationError`, so a config cannot forge ownership.
 */
export const RESERVED_LABEL_PREFIX = "org.openagent.";

/**
 * Keys that would reach `Object.prototype` if copied into a plain object with
 * `obj[key] = value`. Refused as env and label keys so that no driver that
 * copies a record naively can be turned into a prototype-pollution gadget.
 */
export const FORBIDDEN_RECORD_KEYS: readonly string[] = Object.freeze(["__proto__", "constructor", "prototype"]);

// ---------------------------------------------------------------------------
// Size limits
// ---------------------------------------------------------------------------

/**
 * How large a container config may be. Engines refuse much larger requests
 * (Linux caps one argument or environment string at 128 KiB and argv plus
 * environment at about 2 MiB; Docker answers 431 to a label filter whose URL
 * grows past 1 MiB), and a parser must not spend seconds and gigabytes on a
 * hostile body before saying no. Checked before anything per element.
 */
export const CONFIG_LIMITS = Object.freeze({
  /** Most arguments in `command`. */
  commandArguments: 1_024,
  /** Most characters in one argument or one environment value (the kernel's MAX_ARG_STRLEN is 131,072 bytes). */
  argumentLength: 131_072,
  /** Most characters in all of `command` together, and in all of `env` together. */
  totalLength: 1_048_576,
  /** Most environment variables. */
  envEntries: 1_024,
  /** Most labels. */
  labelEntries: 256,
  /** Most characters in a label or environment key. */
  keyLength: 256,
  /** Most characters in a label value. */
  labelValueLength: 65_536,
  /** Most characters in all labels (keys and values) together. */
  labelsLength: 262_144,
  /** Most volume mounts. */
  volumes: 64,
  /** Most capability names in `drop`, and in `add`. */
  capabilities: 64,
  /** Most characters in a path: a mount's source or target, a working directory, a file path. */
  pathLength: 4_096,
  /** Most characters in an image reference. */
  imageLength: 512,
  /** Most bytes (UTF-8 for a string) of a container config's `stdin`; larger input belongs in a file. */
  stdinBytes: 65_536,
  /** Most bytes of an exec request's `stdin`; larger input belongs in a file (`writeFile`). */
  execStdinBytes: 16_777_216,
  /** The largest `maxOutputBytes` an exec may ask for, per stream. */
  execOutputBytes: 67_108_864,
  /** The longest `ttlMs`: about 100 years, so `createdAt + ttlMs` stays an exact number of ms. */
  ttlMs: 3_155_760_000_000,
});

/**
 * Bounds on any value before a schema reads it element by element: a
 * `new Array(1e7)` or an object with a million keys is refused by its size
 * alone, in constant time per container. The schemas' own limits
 * ({@link CONFIG_LIMITS}) are tighter; these only keep the reading bounded.
 */
export const INPUT_LIMITS = Object.freeze({
  /** Deepest nesting of objects and arrays. */
  depth: 16,
  /** Most elements of one array, and most own keys of one object. */
  entries: 4_096,
  /** Most values visited in all. */
  values: 65_536,
  /** Most characters in one string. */
  stringLength: 1_048_576,
  /** Most characters in all strings (and keys) together. */
  totalStringLength: 8_388_608,
  /** Most problems listed in one `ConfigurationError`; the rest are counted ("and N more"). */
  issues: 100,
});

// ---------------------------------------------------------------------------
// Patterns
// ---------------------------------------------------------------------------

// Control characters are refused wherever a value ends up in a command line, a
// log line, a path or an engine API call: C0 (including NUL, which truncates C
// strings), DEL, and C1 (U+0080–U+009F, which terminals interpret as escapes).
// Value rules are regular expressions rather than refinements: `z.compile`
// inlines a regex test, and it lets a rejection skip the second, runtime parse.
/**
 * One control character: C0 (U+0000–U+001F, including NUL), DEL (U+007F) or
 * C1 (U+0080–U+009F). Refused in image references, mount sources and
 * targets, and paths inside a container.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to match them
export const CONTROL_CHARACTER_PATTERN: RegExp = /[\u0000-\u001f\u007f-\u009f]/;
const WITHOUT_CONTROL_CHARACTERS = new RegExp(`^[^${CONTROL_CHARACTER_PATTERN.source.slice(1, -1)}]*$`);
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to match it
const WITHOUT_NUL = /^[^\u0000]*$/;
/** Matches every string except the keys of {@link FORBIDDEN_RECORD_KEYS}. */
const NOT_A_FORBIDDEN_KEY = new RegExp(`^(?!(?:${FORBIDDEN_RECORD_KEYS.join("|")})$)`);

/**
 * A name: 1–128 characters of `[A-Za-z0-9_.-]`, starting with a letter or
 * digit (the intersection of what Docker, Kubernetes and file systems accept),
 * so it is safe in container names, labels, paths and URLs alike.
 */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** A session id: see {@link NAME_PATTERN}. */
export const SESSION_ID_PATTERN: RegExp = NAME_PATTERN;

/** A volume or network name, and the `network` of a container config: see {@link NAME_PATTERN}. */
export const RESOURCE_NAME_PATTERN: RegExp = NAME_PATTERN;

/**
 * Environment variable names as POSIX shells accept them. Anything else is
 * either silently dropped by a shell or, worse, interpreted.
 */
export const ENV_NAME_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A Linux capability name: upper case, with or without the `CAP_` prefix
 * (`NET_BIND_SERVICE`, `CAP_CHOWN`); `ALL` stands for every capability.
 * Lower case is refused because runtimes differ on whether they fold case.
 * Words are joined by single underscores, so a bare `CAP_` or `NET_` names
 * nothing and is refused.
 */
export const CAPABILITY_PATTERN: RegExp = /^(CAP_)?[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

/**
 * A volume or network driver (plugin) name such as `local`, `bridge` or
 * `vendor/plugin:1.2`: 1–128 characters of `[A-Za-z0-9_.:/-]` starting with a
 * letter or digit, with no `..` segment, so it cannot be read as a path by a
 * runtime that resolves plugins on disk.
 */
export const DRIVER_NAME_PATTERN: RegExp = /^(?!.*(?:^|\/)\.\.(?:\/|$))[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

/**
 * A user to run as: a name or numeric id, optionally `:group`. Characters are
 * limited to `[A-Za-z0-9_.-]` so the value is safe in `/etc/passwd` lookups and
 * engine APIs alike.
 */
export const USER_PATTERN: RegExp = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})?$/;

// ---------------------------------------------------------------------------
// Value schemas
// ---------------------------------------------------------------------------

const stringWithoutNul = z.string().regex(WITHOUT_NUL, { message: "must not contain a NUL character" });

/** A record key: not empty, no NUL, at most {@link CONFIG_LIMITS.keyLength}, not a prototype-polluting key. */
const safeRecordKey = z
  .string()
  .min(1, { message: "keys must not be empty" })
  .max(CONFIG_LIMITS.keyLength, { message: `keys must be at most ${CONFIG_LIMITS.keyLength} characters` })
  .regex(WITHOUT_NUL, { message: "keys must not contain a NUL character" })
  .regex(NOT_A_FORBIDDEN_KEY, { message: "__proto__, constructor and prototype are not allowed as keys" });

type RecordBounds = { readonly entries: number; readonly totalLength: number; readonly what: string };

/**
 * A record of strings with the two checks Zod's record cannot make: its size
 * (entries, total characters) and an own `__proto__` key, which Zod's record
 * parser skips without a word (it cannot copy it safely), so that
 * `{"__proto__": ...}` from `JSON.parse` would pass. The check runs before the
 * record reads any entry. When it fails it also reports the record's own
 * issues (if the record is small enough to read), because the pipe stops at
 * the first failing step and the caller must hear about every bad key at
 * once. A check piped into the record rather than a transform that calls it:
 * `z.compile` inlines the record after a check, so the usual case costs one
 * `Object.hasOwn` and one key count.
 */
function boundedRecord<T extends z.ZodType>(record: T, bounds: RecordBounds) {
  return z
    .unknown()
    .check((payload) => {
      const input = payload.value;
      if (typeof input !== "object" || input === null || Array.isArray(input)) return;
      const keys = Object.keys(input);
      if (keys.length > bounds.entries) {
        payload.issues.push({
          code: "custom",
          path: [],
          message: `at most ${bounds.entries} ${bounds.what}; there are ${keys.length}`,
          input,
        });
        return;
      }
      let length = 0;
      for (const key of keys) {
        const value = (input as Record<string, unknown>)[key];
        length += key.length + (typeof value === "string" ? value.length : 0);
      }
      if (length > bounds.totalLength) {
        payload.issues.push({
          code: "custom",
          path: [],
          message: `at most ${bounds.totalLength} characters of ${bounds.what} in all; there are ${length}`,
          input,
        });
        return;
      }
      if (!Object.hasOwn(input, "__proto__")) return;
      payload.issues.push({
        code: "custom",
        path: ["__proto__"],
        message: "__proto__, constructor and prototype are not allowed as keys",
        input,
      });
      const result = record.safeParse(input);
      if (!result.success) payload.issues.push(...(result.error.issues as z.core.$ZodRawIssue[]));
    })
    .pipe(record);
}

/**
 * Schema for a `Record<string, string>` of labels: at most
 * {@link CONFIG_LIMITS.labelEntries} entries and
 * {@link CONFIG_LIMITS.labelsLength} characters in all; keys are non-empty,
 * contain no NUL, and are none of `__proto__`, `constructor`, `prototype`;
 * values contain no NUL and are at most {@link CONFIG_LIMITS.labelValueLength}
 * characters.
 */
export const LabelsSchema = boundedRecord(
  z.record(safeRecordKey, stringWithoutNul.max(CONFIG_LIMITS.labelValueLength)),
  { entries: CONFIG_LIMITS.labelEntries, totalLength: CONFIG_LIMITS.labelsLength, what: "labels" },
);

/**
 * Schema for environment variables: at most {@link CONFIG_LIMITS.envEntries}
 * variables and {@link CONFIG_LIMITS.totalLength} characters in all; names
 * match {@link ENV_NAME_PATTERN} and are not prototype-polluting keys; values
 * contain no NUL (the kernel would cut them short) and are at most
 * {@link CONFIG_LIMITS.argumentLength} characters.
 */
export const EnvSchema = boundedRecord(
  z.record(
    safeRecordKey.regex(ENV_NAME_PATTERN, {
      message: "environment variable names must match [A-Za-z_][A-Za-z0-9_]*",
    }),
    stringWithoutNul.max(CONFIG_LIMITS.argumentLength),
  ),
  { entries: CONFIG_LIMITS.envEntries, totalLength: CONFIG_LIMITS.totalLength, what: "environment variables" },
);

/** Schema for {@link SESSION_ID_PATTERN}. */
export const SessionIdSchema = z.string().regex(SESSION_ID_PATTERN, {
  message: "must be 1-128 characters of [A-Za-z0-9_.-] starting with a letter or digit",
});

/**
 * An image reference: not empty, at most {@link CONFIG_LIMITS.imageLength}
 * characters, no whitespace and no control characters. Registry syntax is
 * left to the driver, which knows its runtime's rules.
 */
export const ImageSchema = z
  .string()
  .min(1, { message: "must not be empty: give an image reference such as 'alpine:3.20'" })
  .max(CONFIG_LIMITS.imageLength)
  .regex(new RegExp(`^[^\\s${CONTROL_CHARACTER_PATTERN.source.slice(1, -1)}]*$`), {
    message: "must not contain whitespace or control characters",
  });

/** Schema for {@link RESOURCE_NAME_PATTERN}. */
export const ResourceNameSchema = z.string().regex(RESOURCE_NAME_PATTERN, {
  message: "must be 1-128 characters of [A-Za-z0-9_.-] starting with a letter or digit",
});

/** Schema for one capability name, see {@link CAPABILITY_PATTERN}. */
export const CapabilitySchema = z.string().regex(CAPABILITY_PATTERN, {
  message: "capability names are upper case, such as 'NET_BIND_SERVICE' or 'ALL'",
});

/** Schema for {@link DRIVER_NAME_PATTERN}. */
export const DriverNameSchema = z.string().regex(DRIVER_NAME_PATTERN, {
  message: "must be 1-128 characters of [A-Za-z0-9_.:/-] starting with a letter or digit, without '..' segments",
});

/** Schema for {@link USER_PATTERN}. */
export const UserSchema = z.string().regex(USER_PATTERN, {
  message: "must be a user name or numeric id, optionally ':group', of [A-Za-z0-9_.-]",
});

/**
 * A path inside a container: absolute, at most {@link CONFIG_LIMITS.pathLength}
 * characters, no `..` segment (so it cannot be aimed outside the directory the
 * caller meant) and no control characters.
 */
export const MountTargetSchema = z
  .string()
  .max(CONFIG_LIMITS.pathLength)
  .regex(/^\//, { message: "must be an absolute path starting with '/'" })
  // No segment is exactly "..": not at the start, between two '/', or at the end.
  .regex(/^(?!(?:[\s\S]*\/)?\.\.(?:\/|$))/, { message: "must not contain a '..' segment" })
  .regex(WITHOUT_CONTROL_CHARACTERS, { message: "must not contain control characters" });

/**
 * A normalised absolute path inside a container: starts with `/`, no empty,
 * `.` or `..` segment, no trailing `/` (except the root itself), no control
 * characters, at most {@link CONFIG_LIMITS.pathLength} characters. Spaces and
 * any other Unicode are fine. Normalised so that one file has one name: a
 * driver can compare paths as strings, and a path cannot step out of the
 * directory it names.
 */
export const ContainerPathSchema = z
  .string()
  .max(CONFIG_LIMITS.pathLength)
  .regex(/^\//, { message: "must be an absolute path starting with '/'" })
  .regex(/^(?:\/|(?:\/(?!\.{1,2}(?:\/|$))[^/]+)+)$/, {
    message: "must be normalised: no empty, '.' or '..' segment and no trailing '/'",
  })
  .regex(WITHOUT_CONTROL_CHARACTERS, { message: "must not contain control characters" });

/** A file inside a container: a {@link ContainerPathSchema} other than `/`. */
export const FilePathSchema = ContainerPathSchema.refine((path) => path !== "/", {
  message: "must name a file, not the root directory",
});

/**
 * Bytes: any `Uint8Array`, a Node `Buffer` included (typed over any
 * `ArrayBufferLike`, which `z.instanceof(Uint8Array)` would narrow away).
 */
export const bytesSchema = z.custom<Uint8Array>((value) => value instanceof Uint8Array, "must be a Uint8Array");

/**
 * Input for a standard input: a string (sent as UTF-8) or bytes, at most
 * `maxBytes` bytes.
 */
export function stdinSchema(maxBytes: number) {
  return z.union([z.string(), bytesSchema]).refine((input) => byteLength(input) <= maxBytes, {
    message: `must be at most ${maxBytes} bytes`,
  });
}

/** Bytes of a string (UTF-8) or a byte array. */
export function byteLength(input: string | Uint8Array): number {
  return typeof input === "string" ? Buffer.byteLength(input, "utf8") : input.byteLength;
}

/**
 * A key that makes a create idempotent: creates with the same key in the same
 * namespace return the same container. See {@link NAME_PATTERN}: a task id or
 * a UUID fits.
 */
export const IdempotencyKeySchema = z.string().regex(NAME_PATTERN, {
  message: "must be 1-128 characters of [A-Za-z0-9_.-] starting with a letter or digit",
});

/**
 * A mount's `source`: a volume name or an absolute host path; not empty, at
 * most {@link CONFIG_LIMITS.pathLength} characters, no control characters.
 */
export const MountSourceSchema = z
  .string()
  .min(1, { message: "must not be empty: give a volume name or an absolute host path" })
  .max(CONFIG_LIMITS.pathLength)
  .regex(WITHOUT_CONTROL_CHARACTERS, { message: "must not contain control characters" });

/**
 * The command to run instead of the image's default: at most
 * {@link CONFIG_LIMITS.commandArguments} arguments of at most
 * {@link CONFIG_LIMITS.argumentLength} characters, without NUL.
 */
export const CommandSchema = z
  .array(stringWithoutNul.max(CONFIG_LIMITS.argumentLength))
  .max(CONFIG_LIMITS.commandArguments)
  .refine((command) => command.reduce((sum, argument) => sum + argument.length, 0) <= CONFIG_LIMITS.totalLength, {
    message: `must be at most ${CONFIG_LIMITS.totalLength} characters in all`,
  });

// ---------------------------------------------------------------------------
// Rules as functions
// ---------------------------------------------------------------------------

/**
 * A mount's type: `type` when given; otherwise a `source` starting with `/`
 * is a host path (`bind`) and anything else a volume name (`volume`).
 *
 * @example
 * ```ts
 * mountTypeOf({ source: "/srv/data", target: "/data" }); // "bind"
 * mountTypeOf({ source: "workspace", target: "/work" }); // "volume"
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function mountTypeOf(mount: VolumeMount | Pick<VolumeMount, "source" | "type">): "bind" | "volume" {
  return mount.type ?? (mount.source.startsWith("/") ? "bind" : "volume");
}

/**
 * Whether a label key is reserved for drivers ({@link RESERVED_LABEL_PREFIX}).
 *
 * @example
 * ```ts
 * isReservedLabelKey("org.openagent.namespace"); // true
 * ```
 */
/* @__NO_SIDE_EFFECTS__ */
export function isReservedLabelKey(key: string): boolean {
  return key.startsWith(RESERVED_LABEL_PREFIX);
}
