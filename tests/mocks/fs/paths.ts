/**
 * Paths inside a container, as the kernel resolves them without symbolic
 * links: made absolute against a working directory and normalised.
 *
 * @module
 */

/**
 * The segments of `path`, made absolute against `cwd` and normalised
 * (`.` dropped, `..` applied, never above `/`).
 *
 * @example
 * ```ts
 * pathSegments("../b", "/tmp/a"); // ["tmp", "b"]
 * ```
 */
export function pathSegments(path: string, cwd = "/"): string[] {
  const segments: string[] = [];
  const full = path.startsWith("/") ? path : `${cwd}/${path}`;
  for (const segment of full.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return segments;
}

/**
 * The absolute path of `segments`.
 *
 * @example
 * ```ts
 * joinSegments(["tmp", "b"]); // "/tmp/b"
 * ```
 */
export function joinSegments(segments: readonly string[]): string {
  return `/${segments.join("/")}`;
}
