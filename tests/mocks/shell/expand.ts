/**
 * Word expansion, in the order the standard gives: parameters (`$x`,
 * `${x:-default}`, `${x#pattern}`, ...), command substitution, arithmetic,
 * then field splitting of unquoted results on blanks, then pathname
 * expansion of unquoted wildcards. Quoted text is never split nor matched.
 *
 * @module
 */
import { evaluateArithmetic } from "./arithmetic.js";
import type { Word, WordPart } from "./ast.js";
import { escapePattern, hasWildcard, removeAffix } from "./glob.js";

/** What expansion reads and writes: the shell's variables and parameters, and how it runs a command. */
export type ExpansionScope = {
  /** A variable, a positional parameter (`1`, `2`, ...) or a special one (`?`, `$`, `!`, `#`, `0`, `-`). */
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  /** `$1` onwards, for `$@` and `$*`. */
  positional(): readonly string[];
  /** The output of `source` run as a command (trailing newlines still there). */
  substitute(source: string): Promise<string>;
  /** The paths matching `pattern`, or `[]`. */
  pathnames(pattern: string): string[];
  /** `${x?message}` of an unset `x`: ends the shell with `message`. */
  fail(message: string): never;
};

const BLANKS = /[ \t\n]+/;

/** A field being built: its text, and the same text as a pattern (quoted characters escaped). */
type Field = { text: string; pattern: string; wildcard: boolean };

class FieldBuilder {
  readonly fields: Field[] = [];
  #current: Field | undefined;

  append(text: string, quoted: boolean): void {
    this.#current ??= { text: "", pattern: "", wildcard: false };
    this.#current.text += text;
    this.#current.pattern += quoted ? escapePattern(text) : text;
    if (!quoted && hasWildcard(text)) this.#current.wildcard = true;
  }

  /** Unquoted expansion result: split on blanks; blanks at either end end the field there. */
  split(value: string): void {
    if (value === "") return;
    const pieces = value.split(BLANKS);
    pieces.forEach((piece, index) => {
      if (index > 0) this.close();
      if (piece !== "") this.append(piece, false);
    });
  }

  close(): void {
    if (this.#current !== undefined) this.fields.push(this.#current);
    this.#current = undefined;
  }
}

function isSet(value: string | undefined, colon: boolean): value is string {
  return value !== undefined && (!colon || value !== "");
}

async function parameter(part: Extract<WordPart, { kind: "param" }>, scope: ExpansionScope): Promise<string> {
  const value = part.name === "@" || part.name === "*" ? scope.positional().join(" ") : scope.get(part.name);
  const op = part.op;
  if (op === undefined) return value ?? "";
  if (op === "length") return String((value ?? "").length);
  const arg = part.arg ?? { parts: [], raw: "" };
  const colon = op.startsWith(":");
  switch (op.replace(":", "")) {
    case "-":
      return isSet(value, colon) ? value : expandText(arg, scope);
    case "=": {
      if (isSet(value, colon)) return value;
      const assigned = await expandText(arg, scope);
      scope.set(part.name, assigned);
      return assigned;
    }
    case "+":
      return isSet(value, colon) ? expandText(arg, scope) : "";
    case "?":
      if (isSet(value, colon)) return value;
      return scope.fail(`${part.name}: ${(await expandText(arg, scope)) || "parameter not set"}`);
    default: {
      const pattern = await expandPattern(arg, scope);
      const side = op.startsWith("#") ? "prefix" : "suffix";
      return removeAffix(value ?? "", pattern, side, op.length === 2);
    }
  }
}

/** What a command substitution yields: its output without trailing newlines. */
async function substitution(source: string, scope: ExpansionScope): Promise<string> {
  return (await scope.substitute(source)).replace(/\n+$/, "");
}

async function arithmetic(expression: Word, scope: ExpansionScope): Promise<string> {
  const text = await expandText(expression, scope);
  return String(evaluateArithmetic(text, scope));
}

async function partValue(part: Exclude<WordPart, { kind: "text" }>, scope: ExpansionScope): Promise<string> {
  switch (part.kind) {
    case "param":
      return parameter(part, scope);
    case "command":
      return substitution(part.source, scope);
    case "arith":
      return arithmetic(part.expression, scope);
  }
}

/**
 * The fields `words` expand to: split on blanks where unquoted, each field
 * with a wildcard replaced by the paths it matches (when any match).
 *
 * @example
 * ```ts
 * await expandFields(command.words, scope); // ["a b", "c", "d"] for "$x" $y with x="a b", y="c d"
 * ```
 */
export async function expandFields(words: readonly Word[], scope: ExpansionScope): Promise<string[]> {
  const result: string[] = [];
  for (const word of words) {
    const builder = new FieldBuilder();
    for (const part of word.parts) {
      if (part.kind === "text") {
        builder.append(part.text, part.quoted);
      } else if (part.kind === "param" && part.name === "@" && part.quoted && part.op === undefined) {
        const positional = scope.positional();
        positional.forEach((value, index) => {
          if (index > 0) builder.close();
          builder.append(value, true);
        });
      } else {
        const value = await partValue(part, scope);
        if (part.quoted) builder.append(value, true);
        else builder.split(value);
      }
    }
    builder.close();
    for (const field of builder.fields) {
      const matches = field.wildcard ? scope.pathnames(field.pattern) : [];
      if (matches.length > 0) result.push(...matches);
      else result.push(field.text);
    }
  }
  return result;
}

/**
 * One word expanded to one string, with no field splitting and no pathname
 * expansion: what an assignment, a redirection target or `${x:-word}` gets.
 *
 * @example
 * ```ts
 * await expandText(word, scope);
 * ```
 */
export async function expandText(word: Word, scope: ExpansionScope): Promise<string> {
  let text = "";
  for (const part of word.parts) text += part.kind === "text" ? part.text : await partValue(part, scope);
  return text;
}

/**
 * One word expanded to a pattern: quoted characters (and what quoted
 * expansions yield) match only themselves.
 *
 * @example
 * ```ts
 * await expandPattern(word, scope); // "\\*.txt" for '"*".txt'
 * ```
 */
export async function expandPattern(word: Word, scope: ExpansionScope): Promise<string> {
  let pattern = "";
  for (const part of word.parts) {
    const text = part.kind === "text" ? part.text : await partValue(part, scope);
    pattern += part.quoted ? escapePattern(text) : text;
  }
  return pattern;
}
