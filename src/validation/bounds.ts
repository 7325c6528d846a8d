/**
 * The size check every input passes before a schema reads it element by
 * element: a `new Array(1e7)`, an object with a million keys, a 20 MB string
 * or a structure nested a thousand deep is refused by its size alone, in time
 * bounded by {@link INPUT_LIMITS}, and nothing the input does while being read
 * (a throwing getter, a revoked Proxy) escapes as an exception.
 *
 * @module
 */
import { INPUT_LIMITS } from "../contract/rules.js";
import type { ConfigurationIssue } from "../errors.js";
import { getErrorMessage } from "../errors.js";

/** The longest part of a thrown value's message an issue repeats: the input's own text must not make the message long. */
const MAX_THROWN_MESSAGE_LENGTH = 200;

/**
 * The issue for a value that threw while being read (a getter, a Proxy
 * trap), at the root: what it threw, in at most 200 characters. Never throws.
 *
 * @example
 * ```ts
 * unreadableIssue(new Error("trap")); // { path: "", message: "the value could not be read: trap" }
 * ```
 */
export function unreadableIssue(thrown: unknown): ConfigurationIssue {
  const text = getErrorMessage(thrown);
  const shown = text.length > MAX_THROWN_MESSAGE_LENGTH ? `${text.slice(0, MAX_THROWN_MESSAGE_LENGTH)}…` : text;
  return { path: "", message: `the value could not be read: ${shown}` };
}

type Pending = { readonly value: unknown; readonly path: string; readonly depth: number };

function joinPath(path: string, key: string | number): string {
  const segment = typeof key === "number" ? String(key) : key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return path === "" ? segment : `${path}.${segment}`;
}

/**
 * The first way `value` exceeds {@link INPUT_LIMITS}, as an issue at its
 * path, or `undefined` when it is within them. Never throws: a value that
 * throws while being read is reported as an issue too. Typed arrays and
 * other binary data count by their length and are not walked.
 *
 * @example
 * ```ts
 * inputSizeIssue({ command: new Array(1e7) }); // { path: "command", message: "at most 4096 entries; ..." }
 * inputSizeIssue({ sessionId: "s-1" }); // undefined
 * ```
 */
export function inputSizeIssue(value: unknown): ConfigurationIssue | undefined {
  const stack: Pending[] = [{ value, path: "", depth: 0 }];
  let values = 0;
  let characters = 0;
  try {
    while (stack.length > 0) {
      const { value: current, path, depth } = stack.pop() as Pending;
      values += 1;
      if (values > INPUT_LIMITS.values) {
        return { path, message: `too large: more than ${INPUT_LIMITS.values} values in all` };
      }
      if (typeof current === "string") {
        characters += current.length;
        if (current.length > INPUT_LIMITS.stringLength) {
          return { path, message: `too long: at most ${INPUT_LIMITS.stringLength} characters` };
        }
        if (characters > INPUT_LIMITS.totalStringLength) {
          return { path, message: `too large: more than ${INPUT_LIMITS.totalStringLength} characters in all` };
        }
        continue;
      }
      if (typeof current !== "object" || current === null || ArrayBuffer.isView(current)) continue;
      if (depth >= INPUT_LIMITS.depth) {
        return { path, message: `nested too deeply: at most ${INPUT_LIMITS.depth} levels` };
      }
      if (Array.isArray(current)) {
        if (current.length > INPUT_LIMITS.entries) {
          return { path, message: `too many entries: at most ${INPUT_LIMITS.entries}, there are ${current.length}` };
        }
        for (let index = 0; index < current.length; index++) {
          stack.push({ value: current[index], path: joinPath(path, index), depth: depth + 1 });
        }
        continue;
      }
      const keys = Object.keys(current);
      if (keys.length > INPUT_LIMITS.entries) {
        return { path, message: `too many keys: at most ${INPUT_LIMITS.entries}, there are ${keys.length}` };
      }
      for (const key of keys) {
        characters += key.length;
        if (key.length > INPUT_LIMITS.stringLength || characters > INPUT_LIMITS.totalStringLength) {
          return { path: joinPath(path, key), message: "too large: the key is too long" };
        }
        stack.push({
          value: (current as Record<string, unknown>)[key],
          path: joinPath(path, key),
          depth: depth + 1,
        });
      }
    }
  } catch (error) {
    return unreadableIssue(error);
  }
  return undefined;
}
