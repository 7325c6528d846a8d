/**
 * Where the speed of `validateContainerConfig` comes from: each lever applied
 * to the container config schema, measured in one run against the seed's
 * plain schema (the baseline of validate.bench.ts).
 *
 * "before" is the schema as it was before the levers: rules as `.refine()`
 * callbacks, the `__proto__` guard as a transform that ran the record itself,
 * validated with `safeParse`. It is rebuilt here from the current schema with
 * `.extend()`, replacing only the fields the levers changed, so the variants
 * differ in the levers and nothing else.
 *
 * - lever 1: `z.compile` (the validator runs Zod's generated code; invalid
 *   input falls back to the runtime parser for the issues).
 * - lever 2: the `__proto__` guard as a check piped into the record, which
 *   the compiler inlines, instead of a transform, which it cannot see into.
 * - lever 3: value rules as `.regex()` instead of `.refine()`.
 *
 * Run: `npx tsx bench/validate-levers.bench.ts`.
 */
import { z } from "zod";
import {
  ContainerConfigSchema,
  ENV_NAME_PATTERN,
  FORBIDDEN_RECORD_KEYS,
  VolumeMountSchema,
  validateContainerConfig,
} from "../src/index.js";
import {
  compareCases,
  describeRun,
  printRows,
  realisticConfig,
  SeedContainerConfigSchema,
} from "./validate-fixtures.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule being measured
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule being measured
const NUL = /\u0000/;
const FORBIDDEN_MESSAGE = "__proto__, constructor and prototype are not allowed as keys";

// Lever 3 undone: the rules as refinements.
const refinedWithoutNul = z
  .string()
  .refine((value) => !NUL.test(value), { message: "must not contain a NUL character" });
const refinedKey = z
  .string()
  .min(1)
  .refine((key) => !NUL.test(key), { message: "keys must not contain a NUL character" })
  .refine((key) => !FORBIDDEN_RECORD_KEYS.includes(key), { message: FORBIDDEN_MESSAGE });
const refinedEnv = z.record(refinedKey.regex(ENV_NAME_PATTERN), refinedWithoutNul);
const refinedLabels = z.record(refinedKey, refinedWithoutNul);
const refinedFields = {
  image: z
    .string()
    .min(1)
    .max(512)
    .refine((image) => !/\s/.test(image) && !CONTROL_CHARACTERS.test(image)),
  command: z.array(refinedWithoutNul).optional(),
  volumes: z.array(
    VolumeMountSchema.extend({
      source: z
        .string()
        .min(1)
        .max(4096)
        .refine((source) => !CONTROL_CHARACTERS.test(source)),
      target: z
        .string()
        .max(4096)
        .refine((target) => target.startsWith("/"))
        .refine((target) => !target.split("/").includes(".."))
        .refine((target) => !CONTROL_CHARACTERS.test(target)),
    }),
  ),
};

function hasOwnProto(input: unknown): input is object {
  return typeof input === "object" && input !== null && !Array.isArray(input) && Object.hasOwn(input, "__proto__");
}

// Lever 2 undone: the guard as a transform that runs the record itself.
function guardAsTransform<T extends z.ZodType>(record: T) {
  return z.unknown().transform((input, context): z.output<T> => {
    if (hasOwnProto(input))
      context.addIssue({ code: "custom", path: ["__proto__"], message: FORBIDDEN_MESSAGE, input });
    const result = record.safeParse(input);
    if (result.success) return result.data;
    context.issues.push(...(result.error.issues as z.core.$ZodRawIssue[]));
    return z.NEVER;
  });
}

// Lever 2 applied: the guard as a check piped into the record (as src/types.ts does).
function guardAsCheck<T extends z.ZodType>(record: T) {
  return z
    .unknown()
    .check((payload) => {
      if (!hasOwnProto(payload.value)) return;
      payload.issues.push({ code: "custom", path: ["__proto__"], message: FORBIDDEN_MESSAGE, input: payload.value });
      const result = record.safeParse(payload.value);
      if (!result.success) payload.issues.push(...(result.error.issues as z.core.$ZodRawIssue[]));
    })
    .pipe(record);
}

const BeforeSchema = ContainerConfigSchema.extend({
  ...refinedFields,
  env: guardAsTransform(refinedEnv),
  labels: guardAsTransform(refinedLabels),
});
const Lever2Schema = ContainerConfigSchema.extend({
  ...refinedFields,
  env: guardAsCheck(refinedEnv),
  labels: guardAsCheck(refinedLabels),
});

const compiledBefore = z.compile(BeforeSchema);
const compiledLever2 = z.compile(Lever2Schema);

const SEED = "seed schema: safeParse";
const rows = await compareCases(
  [
    { name: SEED, run: () => SeedContainerConfigSchema.safeParse(realisticConfig).success },
    { name: "before: safeParse", run: () => BeforeSchema.safeParse(realisticConfig).success },
    { name: "lever 1: z.compile, validate", run: () => compiledBefore.validate(realisticConfig) },
    { name: "levers 1+2: + guard as piped check", run: () => compiledLever2.validate(realisticConfig) },
    { name: "levers 1+2+3: validateContainerConfig", run: () => validateContainerConfig(realisticConfig) },
    { name: "levers 2+3 without 1: safeParse", run: () => ContainerConfigSchema.safeParse(realisticConfig).success },
  ],
  SEED,
);

console.log(`validateContainerConfig levers: ${describeRun()}`);
printRows(rows, SEED);
