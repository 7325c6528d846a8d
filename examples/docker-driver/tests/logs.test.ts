/**
 * The log pipeline without an engine: the engine's byte stream parsed chunk
 * by chunk into lines (log-stream.ts), and the lines kept as the bounded log
 * text (logs.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LOG_TRUNCATION_NOTICE } from "../../../src/index.js";
import { compareStamps, LogStreamParser, type ParsedLogLine, parseStamp } from "../src/log-stream.js";
import { BoundedLogText, formatLine, truncationNotice } from "../src/logs.js";

function frame(stream: 0 | 1 | 2, text: string | Buffer): Buffer {
  const payload = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

/** Parse `chunks` as one engine stream and return the lines in the order they were emitted. */
function parse(chunks: readonly Uint8Array[], maxLineChars = 1 << 20): ParsedLogLine[] {
  const lines: ParsedLogLine[] = [];
  const parser = new LogStreamParser({ onLine: (line) => lines.push(line), maxLineChars });
  for (const chunk of chunks) parser.push(chunk);
  parser.finish();
  return lines;
}

/** `data` cut at the given offsets. */
function cut(data: Buffer, offsets: readonly number[]): Buffer[] {
  const points = [...new Set(offsets.map((offset) => offset % (data.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(data.subarray(start, point));
    start = point;
  }
  pieces.push(data.subarray(start));
  return pieces;
}

function text(
  lines: readonly ParsedLogLine[],
  shape: { maxChars?: number; tail?: number | undefined; timestamps?: boolean } = {},
) {
  const bounded = new BoundedLogText({
    maxChars: shape.maxChars ?? Number.MAX_SAFE_INTEGER,
    tail: shape.tail,
    timestamps: shape.timestamps === true,
  });
  for (const line of lines) bounded.add(line);
  return bounded.finish();
}

const THREE_LINES = Buffer.concat([
  frame(1, "2026-01-01T00:00:00.100000000Z one\n"),
  frame(2, "2026-01-01T00:00:00.500999999Z two\n"),
  frame(1, "2026-01-01T00:00:01.000000000Z three\n"),
]);

describe("LogStreamParser", () => {
  it("demultiplexes stdout and stderr in the engine's order, with each line's time to the millisecond", () => {
    expect(parse([THREE_LINES])).toEqual([
      { stream: "stdout", text: "one", time: Date.parse("2026-01-01T00:00:00.100Z") },
      { stream: "stderr", text: "two", time: Date.parse("2026-01-01T00:00:00.500Z") },
      { stream: "stdout", text: "three", time: Date.parse("2026-01-01T00:00:01.000Z") },
    ]);
  });

  it("gives the same lines however the stream is cut into chunks", () => {
    const whole = parse([THREE_LINES]);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (offsets) => {
        expect(parse(cut(THREE_LINES, offsets))).toEqual(whole);
      }),
    );
  });

  it("joins a long line stored as partial messages, keeps its first part's time, and emits lines as they end", () => {
    const long = "x".repeat(40_000);
    const lines = parse([
      Buffer.concat([
        frame(1, `2026-01-01T00:00:00.100000000Z ${long.slice(0, 16_384)}`),
        frame(2, "2026-01-01T00:00:00.150000000Z err\n"),
        frame(1, `2026-01-01T00:00:00.200000000Z ${long.slice(16_384, 32_768)}`),
        frame(1, `2026-01-01T00:00:00.300000000Z ${long.slice(32_768)}\n`),
        frame(1, "2026-01-01T00:00:00.400000000Z no newline at the end"),
      ]),
    ]);
    // The stderr line ended first: a live reader sees it before the long line is complete.
    expect(lines.map((line) => [line.stream, line.text.length])).toEqual([
      ["stderr", 3],
      ["stdout", 40_000],
      ["stdout", 21],
    ]);
    expect(lines[1]).toEqual({ stream: "stdout", text: long, time: Date.parse("2026-01-01T00:00:00.100Z") });
  });

  it("decodes a character whose bytes the engine split between two partial messages", () => {
    const bytes = Buffer.from("a€b", "utf8"); // € is three bytes: split after its first
    const lines = parse([
      Buffer.concat([
        frame(1, Buffer.concat([Buffer.from("2026-01-01T00:00:00Z "), bytes.subarray(0, 2)])),
        frame(1, Buffer.concat([Buffer.from("2026-01-01T00:00:00.1Z "), bytes.subarray(2), Buffer.from("\n")])),
      ]),
    ]);
    expect(lines.map((line) => line.text)).toEqual(["a€b"]);
  });

  it("keeps an empty line, and text that does not start with a timestamp", () => {
    const lines = parse([frame(1, "2026-01-01T00:00:00Z \n"), frame(1, "not-a-time text\n")]);
    expect(lines.map((line) => line.text)).toEqual(["", "not-a-time text"]);
    expect(Number.isNaN(lines[1]?.time)).toBe(true);
  });

  it("reads a stream without frame headers (a TTY) as stdout, a line per newline", () => {
    const raw = Buffer.from("2026-01-01T00:00:00.1Z plain text\r\n2026-01-01T00:00:00.2Z more\n");
    const whole = parse([raw]);
    expect(whole.map((line) => [line.stream, line.text])).toEqual([
      ["stdout", "plain text\r"],
      ["stdout", "more"],
    ]);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 8 }), (offsets) => {
        expect(parse(cut(raw, offsets))).toEqual(whole);
      }),
    );
    expect(parse([Buffer.from("hi")])).toEqual([{ stream: "stdout", text: "hi", time: Number.NaN }]);
    expect(parse([])).toEqual([]);
  });

  it("delivers a line longer than maxLineChars in pieces, so one line cannot fill the memory", () => {
    const lines = parse([frame(1, `2026-01-01T00:00:00Z ${"y".repeat(25)}\n`)], 10);
    expect(lines.map((line) => line.text)).toEqual(["y".repeat(10), "y".repeat(10), "y".repeat(5)]);
  });

  it("never loses or invents text, whatever the frames hold", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(1 as const, 2 as const), fc.string({ unit: "grapheme" })), { maxLength: 20 }),
        (messages) => {
          const data = Buffer.concat(
            messages.map(([stream, line]) => frame(stream, `2026-01-01T00:00:00Z ${line.replaceAll("\n", " ")}\n`)),
          );
          const lines = parse([data]);
          expect(lines.map((line) => [line.stream === "stderr" ? 2 : 1, line.text])).toEqual(
            messages.map(([stream, line]) => [stream, line.replaceAll("\n", " ")]),
          );
        },
      ),
    );
  });

  it("counts messages as the engine's tail does, and skips the ones onMessage refuses", () => {
    const seen: string[] = [];
    const parser = new LogStreamParser({
      onLine: (line) => seen.push(line.text),
      onMessage: (stamp) => stamp === undefined || stamp.nanos !== 500_999_999,
      maxLineChars: 100,
    });
    parser.push(THREE_LINES);
    parser.finish();
    expect(seen).toEqual(["one", "three"]);
    expect(parser.messages).toBe(3);
  });
});

describe("engine timestamps", () => {
  it("keeps the nanoseconds, so messages within one millisecond are told apart", () => {
    const a = parseStamp("2026-01-01T00:00:00.000000001Z");
    const b = parseStamp("2026-01-01T00:00:00.000000002Z");
    expect(a).toEqual({ seconds: 1_767_225_600, nanos: 1 });
    expect(compareStamps(a!, b!)).toBeLessThan(0);
    expect(compareStamps(b!, a!)).toBeGreaterThan(0);
    expect(parseStamp("2026-01-01T00:00:00.5Z")?.nanos).toBe(500_000_000);
    expect(parseStamp("2026-01-01T01:00:00+01:00")?.seconds).toBe(1_767_225_600);
    expect(parseStamp("hello")).toBeUndefined();
  });
});

describe("BoundedLogText", () => {
  const lines = parse([THREE_LINES]);

  it("applies since-free shaping as 1.0 did: tail, then timestamps", () => {
    expect(text(lines)).toBe("one\ntwo\nthree\n");
    expect(text(lines, { tail: 1 })).toBe("three\n");
    expect(text(lines, { tail: 0 })).toBe("");
    expect(text(lines, { tail: 5, timestamps: true })).toBe(
      "2026-01-01T00:00:00.100Z one\n2026-01-01T00:00:00.500Z two\n2026-01-01T00:00:01.000Z three\n",
    );
    expect(formatLine({ stream: "stdout", text: "x", time: Number.NaN }, true)).toBe("x\n");
  });

  it("keeps the newest whole lines within maxChars, notice included, and counts what it left out", () => {
    const many = Array.from({ length: 100 }, (_, index) => ({
      stream: "stdout" as const,
      text: `line-${index}`,
      time: 0,
    }));
    const full = text(many);
    const bounded = text(many, { maxChars: 200 });
    expect(bounded.length).toBeLessThanOrEqual(200);
    const match = /^\[earlier output omitted: (\d+) characters\]\n/.exec(bounded);
    expect(bounded.startsWith(LOG_TRUNCATION_NOTICE)).toBe(true);
    const rest = bounded.slice(match![0].length);
    expect(full.endsWith(rest)).toBe(true);
    expect(full[full.length - rest.length - 1]).toBe("\n");
    expect(Number(match![1])).toBe(full.length - rest.length);
  });

  it("is the notice alone when not even it fits, and the text unchanged when it fits", () => {
    expect(text(lines, { maxChars: 5 })).toBe(truncationNotice(14));
    expect(text(lines, { maxChars: 14 })).toBe("one\ntwo\nthree\n");
  });

  it("matches the definition for any lines, tail and bound", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ maxLength: 12 }).map((line) => line.replaceAll("\n", "")),
          { maxLength: 40 },
        ),
        fc.option(fc.nat({ max: 45 }), { nil: undefined }),
        fc.integer({ min: 1, max: 400 }),
        (texts, tail, maxChars) => {
          const input = texts.map((line) => ({ stream: "stdout" as const, text: line, time: 0 }));
          const selected = tail === undefined ? texts : tail === 0 ? [] : texts.slice(-tail);
          // The definition: the longest suffix of whole lines that fits with the notice of what it leaves out.
          let expected = selected.map((line) => `${line}\n`).join("");
          for (let keep = selected.length; keep >= 0; keep--) {
            const body = selected
              .slice(selected.length - keep)
              .map((line) => `${line}\n`)
              .join("");
            const omitted = expected.length - body.length;
            const candidate = omitted === 0 ? body : truncationNotice(omitted) + body;
            if (candidate.length <= maxChars || keep === 0) {
              expected = candidate;
              break;
            }
          }
          expect(text(input, { tail, maxChars })).toBe(expected);
        },
      ),
    );
  });
});
