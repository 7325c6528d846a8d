/**
 * The mock's text commands: `head`, `tail`, `wc`, `tr`, `od`, `sort`,
 * `uniq`, `cut`, `base64`, `sha256sum`, `md5sum` (`grep` has a file of its
 * own). They stream what they can (`head` stops reading once it has
 * enough, `tr` translates chunk by chunk), so a pipeline of them keeps
 * memory bounded.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type { Program, ProgramContext } from "../shell/program.js";
import { collect, linesOf, openSources, OutputBuffer, parseOptions } from "./io.js";

async function invalid(context: ProgramContext, flag: string): Promise<number> {
  await context.error(`invalid option -- '${flag}'`);
  return 1;
}

/** `-5` means `-n 5`, as busybox accepts. */
function legacyCount(args: readonly string[]): string[] {
  return args.map((arg) => (/^-\d+$/.test(arg) ? `-n${arg.slice(1)}` : arg));
}

const head: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(legacyCount(context.argv.slice(1)), "nc", "ncqv");
  if (bad !== undefined) return invalid(context, bad);
  const { sources, failed } = await openSources(context, operands);
  for (const source of sources) {
    if (flags.has("c")) {
      let left = Number(flags.get("c"));
      for await (const chunk of source.chunks()) {
        if (left <= 0) break;
        const piece = chunk.byteLength <= left ? chunk : chunk.subarray(0, left);
        left -= piece.byteLength;
        await context.write(piece);
      }
      continue;
    }
    let left = Number(flags.get("n") ?? "10");
    const out = new OutputBuffer(context);
    for await (const line of linesOf(source.chunks())) {
      if (left-- <= 0) break;
      await out.add(`${line}\n`);
    }
    await out.flush();
  }
  return failed ? 1 : 0;
};

const tail: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(legacyCount(context.argv.slice(1)), "nc", "ncqvf");
  if (bad !== undefined) return invalid(context, bad);
  const { sources, failed } = await openSources(context, operands);
  for (const source of sources) {
    const all = await collect(source.chunks());
    if (flags.has("c")) {
      await context.write(all.subarray(Math.max(0, all.byteLength - Number(flags.get("c")))));
      continue;
    }
    const lines = new TextDecoder().decode(all).split("\n");
    if (lines.at(-1) === "") lines.pop();
    const count = Number(flags.get("n") ?? "10");
    await context.write(
      lines
        .slice(Math.max(0, lines.length - count))
        .map((line) => `${line}\n`)
        .join(""),
    );
  }
  return failed ? 1 : 0;
};

/** Lines and words of one chunk, given whether the chunk before ended inside a word. */
function countChunk(chunk: Uint8Array, startsInWord: boolean): { lines: number; words: number; inWord: boolean } {
  let lines = 0;
  let words = 0;
  let inWord = startsInWord;
  const length = chunk.length;
  for (let index = 0; index < length; index++) {
    const byte = chunk[index] as number;
    if (byte === 10) lines++;
    const blank = byte === 32 || (byte >= 9 && byte <= 13);
    if (!blank && !inWord) words++;
    inWord = !blank;
  }
  return { lines, words, inWord };
}

const wc: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), "", "lwcm");
  if (bad !== undefined) return invalid(context, bad);
  const chosen = ["l", "w", "c"].filter((flag) => flags.has(flag) || (flag === "c" && flags.has("m")));
  const columns = chosen.length === 0 ? ["l", "w", "c"] : chosen;
  const { sources, failed } = await openSources(context, operands);
  const totals = { l: 0, w: 0, c: 0 };
  const out = new OutputBuffer(context);
  for (const source of sources) {
    const counts = { l: 0, w: 0, c: 0 };
    let inWord = false;
    for await (const chunk of source.chunks()) {
      const tally = countChunk(chunk, inWord);
      counts.c += chunk.byteLength;
      counts.l += tally.lines;
      counts.w += tally.words;
      inWord = tally.inWord;
    }
    for (const key of ["l", "w", "c"] as const) totals[key] += counts[key];
    const numbers = columns.map((key) => String(counts[key as keyof typeof counts]));
    const alone = columns.length === 1 && source.name === "-";
    await out.add(
      `${alone ? numbers[0] : numbers.map((number) => number.padStart(7)).join(" ")}${source.name === "-" ? "" : ` ${source.name}`}\n`,
    );
  }
  if (sources.length > 1)
    await out.add(`${columns.map((key) => String(totals[key as keyof typeof totals]).padStart(7)).join(" ")} total\n`);
  await out.flush();
  return failed ? 1 : 0;
};

const CLASSES: Readonly<Record<string, (byte: number) => boolean>> = {
  upper: (b) => b >= 65 && b <= 90,
  lower: (b) => b >= 97 && b <= 122,
  digit: (b) => b >= 48 && b <= 57,
  alpha: (b) => (b >= 65 && b <= 90) || (b >= 97 && b <= 122),
  alnum: (b) => (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122),
  space: (b) => b === 32 || (b >= 9 && b <= 13),
  blank: (b) => b === 32 || b === 9,
  punct: (b) => (b >= 33 && b <= 47) || (b >= 58 && b <= 64) || (b >= 91 && b <= 96) || (b >= 123 && b <= 126),
};

const TR_ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, "\\": 92, a: 7, b: 8, f: 12, v: 11 };
/** An unescaped `-` of a `tr` set, which makes a range between its neighbours. */
const DASH = -1;

/** A `tr` set as atoms: single bytes, {@link DASH}, and the bytes of a class. */
function trAtoms(spec: string): (number | number[])[] {
  const atoms: (number | number[])[] = [];
  for (let index = 0; index < spec.length; index++) {
    const classMatch = /^\[:(\w+):\]/.exec(spec.slice(index));
    const test = classMatch === null ? undefined : CLASSES[classMatch[1] as string];
    if (classMatch !== null && test !== undefined) {
      atoms.push([...Array(256).keys()].filter(test));
      index += classMatch[0].length - 1;
    } else if (spec[index] === "\\" && index + 1 < spec.length) {
      const octal = /^[0-7]{1,3}/.exec(spec.slice(index + 1))?.[0];
      if (octal !== undefined) {
        atoms.push(Number.parseInt(octal, 8) & 0xff);
        index += octal.length;
      } else {
        index++;
        atoms.push(TR_ESCAPES[spec[index] as string] ?? spec.charCodeAt(index) & 0xff);
      }
    } else atoms.push(spec[index] === "-" ? DASH : spec.charCodeAt(index) & 0xff);
  }
  return atoms;
}

/** The bytes of a `tr` set: escapes (`\n`, `\0`, `\NNN`), ranges (`a-z`) and classes (`[:upper:]`). */
function trSet(spec: string): number[] {
  const atoms = trAtoms(spec);
  const bytes: number[] = [];
  for (let index = 0; index < atoms.length; index++) {
    const atom = atoms[index] as number | number[];
    const end = atoms[index + 2];
    if (Array.isArray(atom)) bytes.push(...atom);
    else if (atom !== DASH && atoms[index + 1] === DASH && typeof end === "number" && end !== DASH) {
      for (let byte = atom; byte <= end; byte++) bytes.push(byte);
      index += 2;
    } else bytes.push(atom === DASH ? 45 : atom);
  }
  return bytes;
}

/** One chunk through `tr`'s tables: mapped, deleted, squeezed (`previous` is the last byte written before it). */
function translate(
  chunk: Uint8Array,
  table: Uint8Array,
  deleted: Uint8Array,
  squeeze: Uint8Array | undefined,
  previous: number,
): { bytes: Uint8Array; previous: number } {
  const out = new Uint8Array(chunk.length);
  let length = 0;
  let last = previous;
  for (let index = 0; index < chunk.length; index++) {
    const byte = chunk[index] as number;
    if (deleted[byte] === 1) continue;
    const mapped = table[byte] as number;
    if (squeeze !== undefined && squeeze[mapped] === 1 && mapped === last) continue;
    out[length++] = mapped;
    last = mapped;
  }
  return { bytes: length === out.length ? out : out.subarray(0, length), previous: last };
}

const tr: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), "", "dscC");
  if (bad !== undefined) return invalid(context, bad);
  let first = trSet(operands[0] ?? "");
  if (flags.has("c") || flags.has("C")) first = [...Array(256).keys()].filter((byte) => !first.includes(byte));
  const second = trSet(operands[1] ?? "");
  const table = Uint8Array.from({ length: 256 }, (_, byte) => byte);
  const deleted = new Uint8Array(256);
  if (flags.has("d")) for (const byte of first) deleted[byte] = 1;
  else if (second.length > 0)
    for (const [index, byte] of first.entries()) table[byte] = second[Math.min(index, second.length - 1)] as number;
  const squeeze = new Uint8Array(256);
  if (flags.has("s")) for (const byte of flags.has("d") || second.length === 0 ? first : second) squeeze[byte] = 1;
  const squeezing = flags.has("s");
  let previous = -1;
  for await (const chunk of context.input()) {
    const translated = translate(chunk, table, deleted, squeezing ? squeeze : undefined, previous);
    previous = translated.previous;
    if (translated.bytes.byteLength > 0) await context.write(translated.bytes);
  }
  return 0;
};

type OdType = { readonly kind: string; readonly size: number };

function odValue(bytes: Uint8Array, offset: number, type: OdType): string {
  if (type.kind === "c") {
    const byte = bytes[offset] as number;
    const named: Record<number, string> = {
      0: "\\0",
      7: "\\a",
      8: "\\b",
      9: "\\t",
      10: "\\n",
      11: "\\v",
      12: "\\f",
      13: "\\r",
    };
    const text =
      named[byte] ?? (byte >= 32 && byte < 127 ? String.fromCharCode(byte) : byte.toString(8).padStart(3, "0"));
    return text.padStart(4);
  }
  let value = 0;
  for (let index = type.size - 1; index >= 0; index--) value = value * 256 + (bytes[offset + index] ?? 0);
  const signed = type.kind === "d" && value >= 2 ** (8 * type.size - 1) ? value - 2 ** (8 * type.size) : value;
  const radix = type.kind === "x" ? 16 : type.kind === "o" ? 8 : 10;
  const digits =
    type.kind === "x"
      ? type.size * 2
      : type.kind === "o"
        ? Math.ceil((type.size * 8) / 3)
        : String(2 ** (8 * type.size)).length;
  const text = signed.toString(radix);
  return ` ${type.kind === "x" || type.kind === "o" ? text.padStart(digits, "0") : text.padStart(digits)}`;
}

const od: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), "AtNj", "AtNjvbcdox");
  if (bad !== undefined) return invalid(context, bad);
  const radix = flags.get("A") ?? "o";
  const spec = flags.get("t") ?? (flags.has("c") ? "c" : flags.has("x") ? "x2" : flags.has("d") ? "u2" : "o2");
  const type: OdType = {
    kind: spec[0] === "u" ? "u" : (spec[0] ?? "o"),
    size: spec[0] === "c" ? 1 : Number(spec.slice(1) || "2"),
  };
  const { sources, failed } = await openSources(context, operands);
  const parts: Uint8Array[] = [];
  for (const source of sources) parts.push(await collect(source.chunks()));
  let bytes = new Uint8Array(Buffer.concat(parts));
  bytes = bytes.subarray(
    Number(flags.get("j") ?? "0"),
    flags.has("N") ? Number(flags.get("j") ?? "0") + Number(flags.get("N")) : undefined,
  );
  const address = (offset: number) =>
    radix === "n" ? "" : offset.toString(radix === "x" ? 16 : radix === "d" ? 10 : 8).padStart(7, "0");
  const out = new OutputBuffer(context);
  let previous: string | undefined;
  let starred = false;
  for (let offset = 0; offset < bytes.byteLength; offset += 16) {
    let values = "";
    for (let at = offset; at < Math.min(offset + 16, bytes.byteLength); at += type.size)
      values += odValue(bytes, at, type);
    if (!flags.has("v") && values === previous && offset + 16 <= bytes.byteLength) {
      if (!starred) await out.add("*\n");
      starred = true;
      continue;
    }
    starred = false;
    previous = values;
    await out.add(`${address(offset)}${values}\n`);
  }
  if (radix !== "n") await out.add(`${address(bytes.byteLength)}\n`);
  await out.flush();
  return failed ? 1 : 0;
};

function linesProgram(
  transform: (lines: string[], flags: Map<string, string>) => string[],
  known: string,
  withValue = "",
): Program {
  return async (context) => {
    const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), withValue, known);
    if (bad !== undefined) return invalid(context, bad);
    const { sources, failed } = await openSources(context, operands);
    const lines: string[] = [];
    for (const source of sources) for await (const line of linesOf(source.chunks())) lines.push(line);
    await context.write(
      transform(lines, flags)
        .map((line) => `${line}\n`)
        .join(""),
    );
    return failed ? 1 : 0;
  };
}

const sort = linesProgram((lines, flags) => {
  const numeric = flags.has("n");
  let sorted = [...lines].sort((a, b) =>
    numeric ? Number.parseFloat(a) - Number.parseFloat(b) || (a < b ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0,
  );
  if (flags.has("r")) sorted.reverse();
  if (flags.has("u")) sorted = sorted.filter((line, index) => index === 0 || line !== sorted[index - 1]);
  return sorted;
}, "nru");

const uniq = linesProgram((lines, flags) => {
  const groups: { line: string; count: number }[] = [];
  for (const line of lines) {
    const last = groups.at(-1);
    if (last?.line === line) last.count++;
    else groups.push({ line, count: 1 });
  }
  return groups
    .filter((group) => (flags.has("d") ? group.count > 1 : flags.has("u") ? group.count === 1 : true))
    .map((group) => (flags.has("c") ? `${String(group.count).padStart(7)} ${group.line}` : group.line));
}, "cdu");

function fieldList(spec: string): (index: number) => boolean {
  const ranges = spec.split(",").map((part) => {
    const [from, to] = part.includes("-") ? part.split("-") : [part, part];
    return [from === "" ? 1 : Number(from), to === "" ? Number.POSITIVE_INFINITY : Number(to)] as const;
  });
  return (index) => ranges.some(([from, to]) => index >= from && index <= to);
}

const cut = linesProgram(
  (lines, flags) => {
    const wanted = fieldList(flags.get("f") ?? flags.get("c") ?? "1-");
    if (flags.has("c")) return lines.map((line) => [...line].filter((_, index) => wanted(index + 1)).join(""));
    const delimiter = flags.get("d") ?? "\t";
    return lines.map((line) =>
      line.includes(delimiter)
        ? line
            .split(delimiter)
            .filter((_, index) => wanted(index + 1))
            .join(delimiter)
        : line,
    );
  },
  "dfcs",
  "dfc",
);

const base64: Program = async (context) => {
  const { flags, operands, invalid: bad } = parseOptions(context.argv.slice(1), "w", "dw");
  if (bad !== undefined) return invalid(context, bad);
  const { sources, failed } = await openSources(context, operands);
  const input = Buffer.from(await collect(sources[0]?.chunks() ?? context.input()));
  if (flags.has("d"))
    await context.write(new Uint8Array(Buffer.from(input.toString("latin1").replace(/\s/g, ""), "base64")));
  else {
    const width = Number(flags.get("w") ?? "76");
    const encoded = input.toString("base64");
    const lines = width === 0 ? [encoded] : (encoded.match(new RegExp(`.{1,${width}}`, "g")) ?? []);
    await context.write(lines.map((line) => `${line}\n`).join(""));
  }
  return failed ? 1 : 0;
};

function digest(algorithm: "sha256" | "md5"): Program {
  return async (context) => {
    const { sources, failed } = await openSources(context, context.argv.slice(1));
    for (const source of sources) {
      const hash = createHash(algorithm);
      for await (const chunk of source.chunks()) hash.update(chunk);
      await context.write(`${hash.digest("hex")}  ${source.name}\n`);
    }
    return failed ? 1 : 0;
  };
}

/** The text commands of this file by name. */
export const TEXT_PROGRAMS: Readonly<Record<string, Program>> = {
  head,
  tail,
  wc,
  tr,
  od,
  sort,
  uniq,
  cut,
  base64,
  sha256sum: digest("sha256"),
  md5sum: digest("md5"),
};
