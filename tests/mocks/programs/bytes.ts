/**
 * The mock's byte tools: `tr` (translate, delete and squeeze bytes, with
 * ranges, escapes and classes), streaming chunk by chunk, and `od` (dump
 * bytes in octal, hex, decimal or characters).
 *
 * @module
 */
import type { Program, ProgramContext } from "../shell/program.js";
import { collect, openSources, OutputBuffer, parseOptions } from "./io.js";

async function invalid(context: ProgramContext, flag: string): Promise<number> {
  await context.error(`invalid option -- '${flag}'`);
  return 1;
}

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

/** `tr` and `od`. */
export const BYTE_PROGRAMS: Readonly<Record<string, Program>> = { tr, od };
