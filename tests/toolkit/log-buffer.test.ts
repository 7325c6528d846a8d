import { describe, expect, it } from "vitest";
import { createManualClock } from "../../src/clock.js";
import { LOG_TRUNCATION_NOTICE, type LogLine } from "../../src/contract/schemas.js";
import { isDriverError } from "../../src/errors.js";
import { LogBuffer, renderLogText, truncationNotice } from "../../src/toolkit/index.js";

/** A buffer on a manual clock starting at 1 000 ms, so line times are known. */
function buffer(capacity?: number) {
  const clock = createManualClock(1_000);
  const logs = new LogBuffer(capacity === undefined ? { clock } : { clock, capacity });
  return { clock, logs };
}

describe("LogBuffer: lines", () => {
  it("splits chunks into lines per stream, across chunk boundaries", async () => {
    const { logs } = buffer();
    logs.write("stdout", "one\ntw");
    logs.write("stderr", "err\n");
    logs.write("stdout", "o\nthree\n");
    expect(await logs.read()).toBe("one\nerr\ntwo\nthree\n");
    expect(logs.lines().map((line) => [line.stream, line.line])).toEqual([
      ["stdout", "one"],
      ["stderr", "err"],
      ["stdout", "two"],
      ["stdout", "three"],
    ]);
  });

  it("decodes UTF-8 bytes whose character is split between two chunks", async () => {
    const { logs } = buffer();
    const bytes = new TextEncoder().encode("größe ✓\n");
    logs.write("stdout", bytes.slice(0, 3));
    logs.write("stdout", bytes.slice(3));
    expect(await logs.read()).toBe("größe ✓\n");
  });

  it("shows text after the last newline as a line, and completes it at end()", async () => {
    const { logs } = buffer();
    logs.write("stdout", "done\nprompt> ");
    expect(await logs.read()).toBe("done\nprompt> \n");
    logs.write("stdout", "typed");
    logs.end();
    expect(logs.lines().at(-1)?.line).toBe("prompt> typed");
  });
});

describe("LogBuffer: read options", () => {
  async function fixture() {
    const { clock, logs } = buffer();
    logs.write("stdout", "a\n");
    await clock.advance(10);
    logs.write("stderr", "b\n");
    await clock.advance(10);
    logs.write("stdout", "c\n");
    return logs;
  }

  it("tail N returns the last N lines, 0 none", async () => {
    const logs = await fixture();
    expect(await logs.read({ tail: 2 })).toBe("b\nc\n");
    expect(await logs.read({ tail: 0 })).toBe("");
    expect(await logs.read({ tail: 10 })).toBe("a\nb\nc\n");
  });

  it("since keeps lines written at or after the time", async () => {
    const logs = await fixture();
    expect(await logs.read({ since: 1_010 })).toBe("b\nc\n");
    expect(await logs.read({ since: 5_000 })).toBe("");
  });

  it("timestamps prefix each line with its ISO time and a space", async () => {
    const logs = await fixture();
    expect(await logs.read({ timestamps: true, tail: 1 })).toBe(`${new Date(1_020).toISOString()} c\n`);
  });

  it("stream chooses one stream; since and tail apply after it", async () => {
    const logs = await fixture();
    expect(await logs.read({ stream: "stdout" })).toBe("a\nc\n");
    expect(await logs.read({ stream: "stderr" })).toBe("b\n");
    expect(await logs.read({ stream: "stdout", tail: 1 })).toBe("c\n");
  });

  it("onLine receives each line read, with its stream and time", async () => {
    const logs = await fixture();
    const seen: LogLine[] = [];
    await logs.read({ onLine: (line) => seen.push(line) });
    expect(seen).toEqual([
      { stream: "stdout", line: "a", time: 1_000 },
      { stream: "stderr", line: "b", time: 1_010 },
      { stream: "stdout", line: "c", time: 1_020 },
    ]);
  });

  it("refuses invalid options with a ConfigurationError", async () => {
    const logs = await fixture();
    for (const options of [{ tail: -1 }, { stream: "both" }, { lines: 3 }, { maxBytes: 0 }]) {
      const error = await logs.read(options as never).catch((caught: unknown) => caught);
      expect(isDriverError(error) && error.code).toBe("CONFIGURATION_INVALID");
    }
  });
});

describe("LogBuffer: maxBytes", () => {
  it("drops the oldest lines and opens with the notice, within maxBytes", async () => {
    const { logs } = buffer();
    for (let index = 0; index < 100; index++) logs.write("stdout", `line-${String(index).padStart(3, "0")}\n`);
    const text = await logs.read({ maxBytes: 100 });
    expect(text.length).toBeLessThanOrEqual(100);
    expect(text.startsWith(LOG_TRUNCATION_NOTICE)).toBe(true);
    const lines = text.split("\n");
    expect(lines.at(-2)).toBe("line-099");
    const kept = lines.slice(1, -1);
    const omitted = Number(/(\d+) characters\]/.exec(lines[0] ?? "")?.[1]);
    expect(omitted + kept.join("\n").length + 1).toBe(100 * 9);
  });

  it("keeps the end of a single line that alone is too long", () => {
    const text = renderLogText([{ stream: "stdout", line: "x".repeat(500), time: 0 }], { maxBytes: 80 });
    expect(text.length).toBeLessThanOrEqual(80);
    expect(text).toMatch(/^\[earlier output omitted: \d+ characters\]\nx+\n$/);
  });

  it("gives the notice alone when maxBytes is smaller than the notice", () => {
    const text = renderLogText([{ stream: "stdout", line: "hello", time: 0 }], { maxBytes: 3 });
    expect(text).toBe(truncationNotice(6));
  });

  it("leaves a text within maxBytes untouched", () => {
    const lines: LogLine[] = [{ stream: "stdout", line: "hi", time: 0 }];
    expect(renderLogText(lines, { maxBytes: 3 })).toBe("hi\n");
  });
});

describe("LogBuffer: capacity", () => {
  it("keeps at most capacity characters and counts what it dropped in a read of the start", async () => {
    const { logs } = buffer(19);
    for (const word of ["alpha", "bravo", "charlie", "delta"]) logs.write("stdout", `${word}\n`);
    expect(logs.lines().map((line) => line.line)).toEqual(["charlie", "delta"]);
    expect(logs.dropped.stdout).toBe(12);
    expect(await logs.read()).toBe(`${truncationNotice(12)}charlie\ndelta\n`);
    expect(await logs.read({ tail: 1 })).toBe("delta\n");
    expect(await logs.read({ stream: "stderr" })).toBe("");
  });

  it("splits a line longer than the capacity", () => {
    const { logs } = buffer(10);
    logs.write("stdout", "0123456789abcdef");
    expect(logs.lines().map((line) => line.line)).toEqual(["012345678", "9abcdef"]);
  });
});

describe("LogBuffer: follow", () => {
  it("resolves at once when the producer does not run", async () => {
    const { logs } = buffer();
    logs.write("stdout", "x\n");
    expect(await logs.read({ follow: true })).toBe("x\n");
  });

  it("waits for end(), delivering each line to onLine as it arrives, and returns every line", async () => {
    const { logs } = buffer();
    logs.begin();
    logs.write("stdout", "first\n");
    const seen: string[] = [];
    let settled = false;
    const following = logs.read({ follow: true, onLine: ({ line }) => seen.push(line) }).finally(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(seen).toEqual(["first"]);
    logs.write("stderr", "second\n");
    logs.write("stdout", "third (no newline)");
    expect(seen).toEqual(["first", "second"]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    logs.end();
    expect(await following).toBe("first\nsecond\nthird (no newline)\n");
    expect(seen).toEqual(["first", "second", "third (no newline)"]);
    expect(logs.running).toBe(false);
  });

  it("honours stream and since for the lines that arrive while it waits", async () => {
    const { clock, logs } = buffer();
    logs.begin();
    const following = logs.read({ follow: true, stream: "stderr", since: 1_005 });
    logs.write("stderr", "too early\n");
    await clock.advance(10);
    logs.write("stdout", "other stream\n");
    logs.write("stderr", "kept\n");
    logs.end();
    expect(await following).toBe("kept\n");
  });

  it("ends with the lines so far when its signal aborts, and an aborted signal does not wait", async () => {
    const { logs } = buffer();
    logs.begin();
    const controller = new AbortController();
    const following = logs.read({ follow: true, signal: controller.signal });
    logs.write("stdout", "so far\n");
    controller.abort();
    expect(await following).toBe("so far\n");
    expect(await logs.read({ follow: true, signal: AbortSignal.abort() })).toBe("so far\n");
    logs.write("stdout", "later\n");
    logs.end();
    expect(logs.running).toBe(false);
  });

  it("keeps what a long follow holds within maxBytes", async () => {
    const { logs } = buffer();
    logs.begin();
    const following = logs.read({ follow: true, maxBytes: 64 });
    for (let index = 0; index < 10_000; index++) logs.write("stdout", `${index}\n`);
    logs.end();
    const text = await following;
    expect(text.length).toBeLessThanOrEqual(64);
    expect(text.startsWith(LOG_TRUNCATION_NOTICE)).toBe(true);
    expect(text.endsWith("9999\n")).toBe(true);
  });
});
