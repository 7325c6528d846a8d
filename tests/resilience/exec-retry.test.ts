/**
 * `withPolicies` and `execInContainer`: a command must not run twice, so an
 * exec is retried only when the failure shows it cannot have run (the request
 * never left, or the runtime answered a definite refusal), and no caller
 * deadline cuts a command short (the method table says `deadline: "none"`:
 * the request's own `timeoutMs` kills it; a deadline would only abandon it,
 * still running).
 */
import { describe, expect, it, vi } from "vitest";
import { createManualClock } from "../../src/clock.js";
import type { ContainerDriver } from "../../src/contract/driver.js";
import type { ExecResult } from "../../src/contract/exec.js";
import { DRIVER_METHOD_TABLE } from "../../src/contract/methods.js";
import {
  ContainerNotFoundError,
  ContainerStateError,
  EFFECT_UNKNOWN_CONTEXT_KEY,
  ExecError,
  NetworkError,
  TimeoutError,
} from "../../src/index.js";
import { defaultShouldRetry } from "../../src/resilience/method-policy.js";
import { withPolicies } from "../../src/resilience/with-policies.js";
import { drive, seededRandom } from "./helpers.js";

const ran: ExecResult = {
  exitCode: 0,
  stdout: "ok\n",
  stderr: "",
  timedOut: false,
  aborted: false,
  truncated: false,
  durationMs: 1,
};

/** A driver with only what these tests call: `execInContainer` as given. */
function execDriver(execInContainer: ContainerDriver["execInContainer"]): ContainerDriver {
  const unused = vi.fn(async () => {
    throw new Error("not used here");
  });
  return {
    name: "fake-exec",
    version: "1.0.0",
    capabilities: ["exec"],
    createContainer: unused,
    startContainer: unused,
    stopContainer: unused,
    removeContainer: unused,
    getContainer: unused,
    listContainers: unused,
    getContainerLogs: unused,
    healthCheck: unused,
    isContainerHealthy: unused,
    createVolume: unused,
    removeVolume: unused,
    createNetwork: unused,
    removeNetwork: unused,
    ...(execInContainer === undefined ? {} : { execInContainer }),
  } as ContainerDriver;
}

describe("defaultShouldRetry for execInContainer", () => {
  it("is the table's non-idempotent 'runs' method without a caller deadline", () => {
    expect(DRIVER_METHOD_TABLE.execInContainer).toMatchObject({ effect: "runs", idempotent: false, deadline: "none" });
  });

  it.each([
    ["a timeout (the command may be running)", new TimeoutError("execInContainer", 1_000), false],
    ["a connection reset (the request may have arrived)", new NetworkError("read ECONNRESET"), false],
    [
      "a refused connection (the request never left)",
      new NetworkError("refused", { context: { requestSent: false } }),
      true,
    ],
    ["the runtime's definite refusal before anything ran", new ExecError("c-1", "engine answered 500"), true],
    [
      "an ExecError after the command started",
      new ExecError("c-1", "the stream broke", { context: { [EFFECT_UNKNOWN_CONTEXT_KEY]: true } }),
      false,
    ],
    ["a container that does not run", new ContainerStateError("c-1", "exited", "execInContainer"), false],
    ["an unknown id", new ContainerNotFoundError("c-1"), false],
  ] as const)("%s: retry is %s", (_, error, retry) => {
    expect(defaultShouldRetry("execInContainer", error)).toBe(retry);
  });
});

describe("withPolicies around execInContainer", () => {
  it("does not repeat an exec whose failure leaves open whether it ran", async () => {
    const exec = vi.fn(async () => Promise.reject(new NetworkError("read ECONNRESET")));
    const wrapped = withPolicies(execDriver(exec), { clock: createManualClock(), random: seededRandom(1) });
    await expect(wrapped.execInContainer?.("c-1", { command: ["make"] })).rejects.toBeInstanceOf(NetworkError);
    expect(exec).toHaveBeenCalledTimes(1);
  });

  it("repeats an exec whose request never left, and resolves with the second attempt's result", async () => {
    const clock = createManualClock();
    let calls = 0;
    const exec = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new NetworkError("connect ECONNREFUSED", { context: { requestSent: false } });
      return ran;
    });
    const wrapped = withPolicies(execDriver(exec), { clock, random: seededRandom(1) });
    const result = await drive(clock, wrapped.execInContainer?.("c-1", { command: ["make"] }) ?? Promise.reject());
    expect(result).toEqual(ran);
    expect(exec).toHaveBeenCalledTimes(2);
  });

  it("gives a long command no deadline of its own: it runs past the policy's timeoutMs", async () => {
    const clock = createManualClock();
    const exec = vi.fn(async () => {
      await clock.sleep(60_000);
      return ran;
    });
    const wrapped = withPolicies(execDriver(exec), { clock, random: seededRandom(1), timeoutMs: 1_000 });
    const result = await drive(clock, wrapped.execInContainer?.("c-1", { command: ["make"] }) ?? Promise.reject());
    expect(result).toEqual(ran);
    expect(exec).toHaveBeenCalledTimes(1);
  });
});
