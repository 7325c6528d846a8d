/**
 * `grep`: basic (the default) and extended (`-E`) regular expressions,
 * fixed strings (`-F`), and the options `-q -x -w -v -c -i -n -l -h -s -e`.
 * Exit status 0 when a line matched, 1 when none did, 2 on an error; with
 * `-q` it stops reading at the first match.
 *
 * @module
 */
import type { Program } from "../shell/program.js";
import { linesOf, openSources, OutputBuffer, parseOptions } from "./io.js";

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: "A-Za-z",
  digit: "0-9",
  alnum: "A-Za-z0-9",
  upper: "A-Z",
  lower: "a-z",
  space: " \\t\\n\\r\\f\\v",
  blank: " \\t",
  punct: "!-\\/:-@\\[-`{-~",
  xdigit: "0-9A-Fa-f",
};

/** A bracket expression from `start` (at `[`): its JavaScript source and where it ends. */
function bracketExpression(pattern: string, start: number): { source: string; end: number } {
  let index = start + 1;
  let source = "[";
  if (pattern[index] === "^") {
    source += "^";
    index++;
  }
  if (pattern[index] === "]") {
    source += "\\]";
    index++;
  }
  for (; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === "]") return { source: `${source}]`, end: index };
    const named = /^\[:(\w+):\]/.exec(pattern.slice(index));
    if (named !== null) {
      source += POSIX_CLASSES[named[1] as string] ?? "";
      index += named[0].length - 1;
    } else source += char === "\\" || char === "[" ? `\\${char}` : char;
  }
  return { source: "\\[", end: start };
}

/**
 * The JavaScript source of a POSIX regular expression: `extended` for ERE,
 * else BRE, where `\(`, `\)`, `\{`, `\}`, `\|`, `\+`, `\?` are the operators
 * and their bare forms are plain characters.
 *
 * @example
 * ```ts
 * regexpSource("a\\(b\\)*", false); // "a(b)*"
 * ```
 */
export function regexpSource(pattern: string, extended: boolean): string {
  let source = "";
  const special = "(){}|+?";
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === "[") {
      const bracket = bracketExpression(pattern, index);
      source += bracket.source;
      index = bracket.end;
    } else if (char === "\\" && index + 1 < pattern.length) {
      const next = pattern[++index] as string;
      if (!extended && special.includes(next)) source += next;
      else if (next === "<" || next === ">") source += "\\b";
      else if (/[1-9wWsSbB]/.test(next)) source += `\\${next}`;
      else if (/[a-zA-Z0-9]/.test(next)) source += next;
      else source += `\\${next}`;
    } else if (!extended && special.includes(char)) {
      source += `\\${char}`;
    } else if (char === "*" && (source === "" || source.endsWith("(") || source.endsWith("|"))) {
      source += "\\*";
    } else source += char === "/" ? "\\/" : char;
  }
  return source;
}

/** Every `-e PATTERN` (also `-qxe PATTERN`, `-ePATTERN`), in order; `parseOptions` keeps only the last. */
function patternOptions(args: readonly string[]): string[] {
  const patterns: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === "--") break;
    if (!arg.startsWith("-") || arg === "-") continue;
    const at = arg.indexOf("e", 1);
    if (at < 0) continue;
    const rest = arg.slice(at + 1);
    if (rest !== "") patterns.push(rest);
    else if (args[index + 1] !== undefined) patterns.push(args[++index] as string);
  }
  return patterns;
}

const grep: Program = async (context) => {
  const { flags, operands, invalid } = parseOptions(context.argv.slice(1), "e", "qxwvcinlhsEFHe");
  if (invalid !== undefined) {
    await context.error(`invalid option -- '${invalid}'`);
    return 2;
  }
  const patterns = patternOptions(context.argv.slice(1));
  if (patterns.length === 0) {
    const first = operands.shift();
    if (first === undefined) {
      await context.error("no pattern");
      return 2;
    }
    patterns.push(first);
  }
  const sources = patterns.flatMap((pattern) => pattern.split("\n"));
  const body = sources
    .map((pattern) =>
      flags.has("F") ? pattern.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&") : regexpSource(pattern, flags.has("E")),
    )
    .map((pattern) => (flags.has("w") ? `\\b(?:${pattern})\\b` : pattern))
    .join("|");
  let regexp: RegExp;
  try {
    regexp = new RegExp(flags.has("x") ? `^(?:${body})$` : body, flags.has("i") ? "i" : "");
  } catch (error) {
    await context.error(`bad regex '${patterns.join("|")}': ${(error as Error).message}`);
    return 2;
  }
  const opened = await openSources(context, operands);
  if (flags.has("s") && opened.failed && opened.sources.length === 0) return 2;
  const named = (operands.length > 1 || flags.has("H")) && !flags.has("h");
  const out = new OutputBuffer(context);
  let matched = false;
  for (const source of opened.sources) {
    let count = 0;
    let number = 0;
    for await (const line of linesOf(source.chunks())) {
      number++;
      if (regexp.test(line) === flags.has("v")) continue;
      matched = true;
      count++;
      if (flags.has("q")) {
        await out.flush();
        return 0;
      }
      if (flags.has("l")) break;
      if (!flags.has("c"))
        await out.add(`${named ? `${source.name}:` : ""}${flags.has("n") ? `${number}:` : ""}${line}\n`);
    }
    if (flags.has("c")) await out.add(`${named ? `${source.name}:` : ""}${count}\n`);
    if (flags.has("l") && count > 0) await out.add(`${source.name === "-" ? "(standard input)" : source.name}\n`);
  }
  await out.flush();
  if (opened.failed) return 2;
  return matched ? 0 : 1;
};

/** `grep` and its spellings for the other syntaxes. */
export const GREP_PROGRAMS: Readonly<Record<string, Program>> = {
  grep,
  egrep: (context) => grep({ ...context, argv: ["grep", "-E", ...context.argv.slice(1)] }),
  fgrep: (context) => grep({ ...context, argv: ["grep", "-F", ...context.argv.slice(1)] }),
};
