/**
 * The mock's text commands: `head`, `tail`, `wc`, `sort`, `uniq`, `cut`,
 * `base64`, `sha256sum`, `md5sum` (`grep`, and the byte tools `tr` and `od`,
 * have files of their own). They stream what they can (`head` stops
 * reading once it has enough), so a pipeline of them keeps memory bounded.
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
  sort,
  uniq,
  cut,
  base64,
  sha256sum: digest("sha256"),
  md5sum: digest("md5"),
};
