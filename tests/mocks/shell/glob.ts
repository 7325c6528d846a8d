/**
 * Shell patterns (`*`, `?`, `[...]`, with `\` quoting a character): matching
 * a string (`${x#pattern}`, `case`) and pathname expansion (`/proc/[0-9]*`).
 * A pattern is kept as text in which quoted characters carry a backslash,
 * so quoting survives expansion.
 *
 * @module
 */

/**
 * `text` with the characters a pattern treats specially escaped, so it
 * matches only itself.
 *
 * @example
 * ```ts
 * escapePattern("a*b"); // "a\\*b"
 * ```
 */
export function escapePattern(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/** Whether `pattern` has an unescaped `*`, `?` or `[`. */
export function hasWildcard(pattern: string): boolean {
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "\\") index++;
    else if (char === "*" || char === "?" || char === "[") return true;
  }
  return false;
}

/** `pattern` without its escapes: the text it matches when it has no wildcard. */
export function unescapePattern(pattern: string): string {
  return pattern.replace(/\\(.)/gs, "$1");
}

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\/-]/g;

/** The regular-expression source of a bracket expression starting after `[` at `start`, and where it ends. */
function bracket(pattern: string, start: number): { source: string; end: number } | undefined {
  let index = start;
  let negate = false;
  if (pattern[index] === "!" || pattern[index] === "^") {
    negate = true;
    index++;
  }
  let body = "";
  let first = true;
  for (; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === "]" && !first) return { source: `[${negate ? "^" : ""}${body}]`, end: index };
    first = false;
    if (char === "\\" && index + 1 < pattern.length) {
      index++;
      body += (pattern[index] as string).replace(REGEXP_SPECIAL, "\\$&");
    } else if (char === "-" && body !== "" && pattern[index + 1] !== "]") {
      body += "-";
    } else {
      body += char.replace(REGEXP_SPECIAL, "\\$&");
    }
  }
  return undefined;
}

/**
 * The regular-expression source of `pattern`. With `pathname`, wildcards do
 * not match `/`.
 */
function patternSource(pattern: string, pathname: boolean): string {
  let source = "";
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === "\\" && index + 1 < pattern.length) {
      index++;
      source += (pattern[index] as string).replace(REGEXP_SPECIAL, "\\$&");
    } else if (char === "*") source += pathname ? "[^/]*" : "[\\s\\S]*";
    else if (char === "?") source += pathname ? "[^/]" : "[\\s\\S]";
    else if (char === "[") {
      const found = bracket(pattern, index + 1);
      if (found === undefined) source += "\\[";
      else {
        source += found.source;
        index = found.end;
      }
    } else source += char.replace(REGEXP_SPECIAL, "\\$&");
  }
  return source;
}

const compiled = new Map<string, RegExp>();

/**
 * Whether all of `text` matches `pattern`.
 *
 * @example
 * ```ts
 * matchPattern("/proc/12/environ", "/proc/*"); // true
 * ```
 */
export function matchPattern(text: string, pattern: string, pathname = false): boolean {
  const key = `${pathname ? "p" : "s"}${pattern}`;
  let regexp = compiled.get(key);
  if (regexp === undefined) {
    regexp = new RegExp(`^${patternSource(pattern, pathname)}$`);
    if (compiled.size > 512) compiled.clear();
    compiled.set(key, regexp);
  }
  return regexp.test(text);
}

/**
 * `value` without the shortest (or, with `longest`, the longest) prefix
 * (or suffix) that matches `pattern`: `${value#pattern}` and its kin.
 *
 * @example
 * ```ts
 * removeAffix("/proc/12/environ", "/proc/", "prefix", false); // "12/environ"
 * ```
 */
export function removeAffix(value: string, pattern: string, side: "prefix" | "suffix", longest: boolean): string {
  const lengths = [...Array(value.length + 1).keys()];
  if (longest) lengths.reverse();
  for (const length of lengths) {
    const piece = side === "prefix" ? value.slice(0, length) : value.slice(value.length - length);
    if (matchPattern(piece, pattern))
      return side === "prefix" ? value.slice(length) : value.slice(0, value.length - length);
  }
  return value;
}

/**
 * The paths that match `pattern`, sorted, or `[]` when none does (the
 * caller then keeps the word as it is). `readdir` lists a directory's names
 * (and throws for anything that is not a readable directory); `exists` says
 * whether a path is there (for a last segment without wildcard). Names
 * starting with `.` match only a pattern segment that starts with `.`.
 *
 * @example
 * ```ts
 * expandPathname("/tmp/barrier-*", "/", (dir) => fs.readdir(dir, context), (path) => fs.exists(path, context));
 * ```
 */
export function expandPathname(
  pattern: string,
  cwd: string,
  readdir: (directory: string) => string[],
  exists: (path: string) => boolean,
): string[] {
  const absolute = pattern.startsWith("/");
  const segments = pattern.split("/").filter((segment, index) => segment !== "" || index === 0);
  let paths = [absolute ? "/" : ""];
  for (const segment of absolute ? segments.slice(1) : segments) {
    const next: string[] = [];
    for (const base of paths) {
      const join = (name: string) => (base === "" ? name : base.endsWith("/") ? `${base}${name}` : `${base}/${name}`);
      if (!hasWildcard(segment)) {
        next.push(join(unescapePattern(segment)));
        continue;
      }
      let names: string[];
      try {
        names = readdir(base === "" ? cwd : base.startsWith("/") ? base : `${cwd}/${base}`);
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith(".") && !segment.startsWith(".") && !segment.startsWith("\\.")) continue;
        if (matchPattern(name, segment, true)) next.push(join(name));
      }
    }
    paths = next;
  }
  const last = segments.at(-1) ?? "";
  const found = hasWildcard(last)
    ? paths
    : paths.filter((path) => exists(path.startsWith("/") ? path : `${cwd}/${path}`));
  return found.sort();
}
