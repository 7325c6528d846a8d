/**
 * A config's stdin in the create request, without an engine: kept in a
 * reserved label (so any driver instance that starts the container has it),
 * with an open, once-only stdin; a container without stdin keeps it closed.
 * The engine side (written on every start, by another instance too) is in
 * streams.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createDriverConfig, isReservedLabelKey } from "../../../src/index.js";
import { toCreateOptions, toInstance } from "../src/mapping.js";
import { STDIN_LABEL, stdinCreateFields, stdinOf } from "../src/stdin.js";

const context = {
  driver: "docker",
  namespace: "ns",
  name: "oa-ns-s1-00000000",
  disk: { enforced: false },
  tmpfsSizeMb: 64,
  init: true,
  logConfig: undefined,
} as const;

describe("stdin in the create request", () => {
  it("opens a once-only stdin and keeps the bytes in a reserved label", () => {
    const body = toCreateOptions(createDriverConfig({ sessionId: "s1", image: "img", stdin: "hello" }), context);
    expect(body.OpenStdin).toBe(true);
    expect(body.StdinOnce).toBe(true);
    expect(body.AttachStdin).toBe(false);
    expect(isReservedLabelKey(STDIN_LABEL)).toBe(true);
    expect(stdinOf(body.Labels)?.toString("utf8")).toBe("hello");
  });

  it("keeps stdin closed without one, and for an empty one (the command reads end of file either way)", () => {
    for (const stdin of [undefined, "", new Uint8Array()]) {
      const body = toCreateOptions(
        createDriverConfig({ sessionId: "s1", image: "img", ...(stdin === undefined ? {} : { stdin }) }),
        context,
      );
      expect(body.OpenStdin).toBe(false);
      expect(body.StdinOnce).toBe(false);
      expect(body.Labels?.[STDIN_LABEL]).toBeUndefined();
    }
  });

  it("keeps any bytes exactly, and strings as UTF-8", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), (bytes) => {
        expect(stdinOf(stdinCreateFields(bytes).labels)?.equals(Buffer.from(bytes))).toBe(true);
      }),
    );
    expect(stdinOf(stdinCreateFields("é\u0000x").labels)).toEqual(Buffer.from("é\u0000x", "utf8"));
  });

  it("does not show the stdin among the instance's labels", () => {
    const body = toCreateOptions(createDriverConfig({ sessionId: "s1", image: "img", stdin: "secret" }), context);
    const info = {
      Id: "a".repeat(64),
      Name: "/oa-ns-s1-00000000",
      Created: "2026-01-01T00:00:00Z",
      State: { Status: "created", ExitCode: 0 },
      Config: { Image: "img", Labels: body.Labels },
      HostConfig: {},
    } as unknown as Parameters<typeof toInstance>[0];
    expect(Object.keys(toInstance(info, "/run/docker.sock").labels)).not.toContain(STDIN_LABEL);
  });
});
