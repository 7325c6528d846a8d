/**
 * `execInContainer` of the Docker driver on a real engine, beyond what the
 * conformance tier checks: 10 MB of stdin, the kill seen with `ps` inside the
 * container (the process list is back to what it was, also for a command
 * that replaced its environment), an abort before the start, the wrapper's
 * header never showing, UTF-8 split across chunks and cut by the cap, the
 * user, a container that stops or disappears under a running command, the
 * engine's refusals, validation before any engine call, and a throwing
 * `onOutput`. Nothing of the run is left on the engine afterwards.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConfigurationError,
  ContainerNotFoundError,
  ContainerStateError,
  createDriverConfig,
  type DriverConfigInput,
  ExecError,
  type ExecResult,
  mayHaveTakenEffect,
} from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import { describeWithEngine, docker, leftovers, SOCKET_PATH, TEST_IMAGE, uniqueNamespace } from "./engine.js";

const TIMEOUT = 60_000;

/** Runs until stopped, with a fixed set of processes (a loop of short sleeps would change pids under the checks). */
const STEADY_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"];

describeWithEngine("DockerDriver.execInContainer on a real engine", () => {
  const namespace = uniqueNamespace("exec-test");
  const driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
  let sessions = 0;
  let id: string;

  async function runningContainer(input: DriverConfigInput = {}): Promise<string> {
    sessions += 1;
    const created = await driver.createContainer(
      createDriverConfig({ sessionId: `x${sessions}`, image: TEST_IMAGE, command: STEADY_COMMAND, ...input }),
    );
    await driver.startContainer(created.id);
    return created.id;
  }

  /**
   * Every live process of the container, as `pid stat args` lines, seen by a
   * second exec (without its own process; zombies are dead, waiting for init to reap them).
   */
  async function processes(container: string): Promise<string[]> {
    const listed = await driver.execInContainer(container, { command: ["ps", "-o", "pid,stat,args"] });
    return listed.stdout
      .split("\n")
      .slice(1)
      .map((line) => line.trim())
      .filter((line) => line !== "" && !/^\d+\s+Z/.test(line) && !/\bps -o pid,stat,args\b/.test(line));
  }

  beforeAll(async () => {
    id = await runningContainer();
  }, TIMEOUT);

  afterAll(async () => {
    await driver.cleanup();
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
  }, TIMEOUT);

  describe("stdin", () => {
    it(
      "takes 10 MB of stdin, as bytes and as a string, unchanged",
      async () => {
        const bytes = Buffer.alloc(10 * 1024 * 1024);
        for (let index = 0; index < bytes.length; index += 4096) bytes.writeUInt32BE(index, index);
        const digest = createHash("md5").update(bytes).digest("hex");
        const fromBytes = await driver.execInContainer(id, {
          command: ["sh", "-c", "md5sum | cut -d' ' -f1"],
          stdin: bytes,
        });
        expect(fromBytes).toMatchObject({ exitCode: 0, stdout: `${digest}\n` });
        const text = "é".repeat(5 * 1024 * 1024);
        const fromText = await driver.execInContainer(id, { command: ["wc", "-c"], stdin: text });
        expect(fromText).toMatchObject({ exitCode: 0, stdout: `${Buffer.byteLength(text)}\n` });
      },
      TIMEOUT,
    );

    it(
      "ends a command that does not read its stdin at once, without waiting for the rest to be sent",
      async () => {
        const result = await driver.execInContainer(id, {
          command: ["sh", "-c", "head -c 4; echo; echo out; exit 3"],
          stdin: Buffer.alloc(10 * 1024 * 1024, 97),
        });
        expect(result).toMatchObject({ exitCode: 3, stdout: "aaaa\nout\n", stderr: "" });
        expect(result.durationMs).toBeLessThan(20_000);
      },
      TIMEOUT,
    );
  });

  describe("kill", () => {
    const spawner =
      "sleep 600 & setsid sleep 600 & (sleep 600 &); env -i sh -c 'sleep 600 & sleep 600' & echo started; sleep 600";

    it(
      "a timeout leaves the process list as it was, also for processes that replaced their environment",
      async () => {
        const before = await processes(id);
        const result = await driver.execInContainer(id, { command: ["sh", "-c", spawner], timeoutMs: 2_000 });
        expect(result).toMatchObject({ exitCode: null, timedOut: true, aborted: false, stdout: "started\n" });
        expect(await processes(id)).toEqual(before);
      },
      TIMEOUT,
    );

    it(
      "an abort does the same, and the processes were there until then",
      async () => {
        const before = await processes(id);
        const controller = new AbortController();
        let during: string[] = [];
        const result = await driver.execInContainer(
          id,
          { command: ["sh", "-c", spawner] },
          {
            signal: controller.signal,
            onOutput: () => {
              void processes(id).then((seen) => {
                during = seen;
                controller.abort();
              });
            },
          },
        );
        expect(result).toMatchObject({ exitCode: null, timedOut: false, aborted: true, stdout: "started\n" });
        expect(during.length).toBeGreaterThanOrEqual(before.length + 6);
        expect(await processes(id)).toEqual(before);
      },
      TIMEOUT,
    );

    it(
      "an abort before the call runs nothing and resolves at once",
      async () => {
        const marker = `/tmp/ran-${sessions}`;
        const result = await driver.execInContainer(
          id,
          { command: ["touch", marker] },
          { signal: AbortSignal.abort() },
        );
        expect(result).toMatchObject({
          exitCode: null,
          stdout: "",
          stderr: "",
          timedOut: false,
          aborted: true,
          truncated: false,
        });
        expect(result.durationMs).toBeLessThan(100);
        const check = await driver.execInContainer(id, { command: ["ls", marker] });
        expect(check.exitCode).not.toBe(0);
      },
      TIMEOUT,
    );

    it(
      "onOutput that throws stops the command: ExecError that no retry repeats, and nothing is left",
      async () => {
        const before = await processes(id);
        const failing = driver.execInContainer(
          id,
          { command: ["sh", "-c", "sleep 600 & echo started; sleep 600"] },
          {
            onOutput: () => {
              throw new Error("the caller's bug");
            },
          },
        );
        const error = await failing.catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ExecError);
        expect((error as ExecError).message).toMatch(/onOutput threw.*the caller's bug/);
        expect(mayHaveTakenEffect(error)).toBe(true);
        expect(await processes(id)).toEqual(before);
      },
      TIMEOUT,
    );
  });

  describe("output", () => {
    it(
      "never shows the wrapper's header line, also for a command that prints nothing or no newline",
      async () => {
        expect(await driver.execInContainer(id, { command: ["true"] })).toMatchObject({ exitCode: 0, stdout: "" });
        expect(await driver.execInContainer(id, { command: ["printf", "x"] })).toMatchObject({
          exitCode: 0,
          stdout: "x",
        });
        const streamed: string[] = [];
        const result = await driver.execInContainer(
          id,
          { command: ["echo", "only"] },
          { onOutput: (chunk) => streamed.push(chunk.text) },
        );
        expect(result.stdout).toBe("only\n");
        expect(streamed.join("")).toBe("only\n");
      },
      TIMEOUT,
    );

    it(
      "decodes a character split between two writes as one, in onOutput and in the result",
      async () => {
        const chunks: string[] = [];
        const result = await driver.execInContainer(
          id,
          { command: ["sh", "-c", "printf '\\342\\202'; sleep 0.3; printf '\\254\\n'"] },
          { onOutput: (chunk) => chunks.push(chunk.text) },
        );
        expect(result.stdout).toBe("€\n");
        expect(chunks.join("")).toBe("€\n");
        expect(chunks.some((text) => text.includes("\ufffd"))).toBe(false);
      },
      TIMEOUT,
    );

    it(
      "leaves out a character the cap cuts in two instead of showing a replacement character",
      async () => {
        const result = await driver.execInContainer(id, { command: ["printf", "a€b"], maxOutputBytes: 3 });
        expect(result).toMatchObject({ exitCode: 0, stdout: "a", truncated: true });
      },
      TIMEOUT,
    );

    it(
      "waits for the exit code of a command that closed its output and runs on",
      async () => {
        const result = await driver.execInContainer(id, {
          command: ["sh", "-c", "echo closing; exec >&- 2>&-; sleep 1; exit 3"],
        });
        expect(result).toMatchObject({ exitCode: 3, stdout: "closing\n", timedOut: false });
        expect(result.durationMs).toBeGreaterThanOrEqual(900);
      },
      TIMEOUT,
    );
  });

  describe("user, working directory and the engine's refusals", () => {
    it(
      "runs as the container's user by default, and as root when asked (still without capabilities)",
      async () => {
        expect((await driver.execInContainer(id, { command: ["id", "-un"] })).stdout).toBe("openagent\n");
        const root = await driver.execInContainer(id, {
          command: ["sh", "-c", "id -u; grep CapEff /proc/self/status"],
          user: "0",
        });
        expect(root.stdout).toMatch(/^0\nCapEff:\s+0+\n$/);
      },
      TIMEOUT,
    );

    it(
      "a program that does not exist is the shell's 127; an unknown user or working directory is ExecError with the engine's reason",
      async () => {
        const missing = await driver.execInContainer(id, { command: ["no-such-program"] });
        expect(missing.exitCode).toBe(127);
        expect(missing.stderr).toMatch(/no-such-program: not found/);
        const user = await driver
          .execInContainer(id, { command: ["id"], user: "nobody-here" })
          .catch((e: unknown) => e);
        expect(user).toBeInstanceOf(ExecError);
        expect((user as ExecError).reason).toMatch(/unable to find user nobody-here/);
        // Nothing ran, so a retry policy may try again.
        expect(mayHaveTakenEffect(user)).toBe(false);
        const dir = await driver
          .execInContainer(id, { command: ["pwd"], workingDir: "/no/such/dir" })
          .catch((e: unknown) => e);
        expect(dir).toBeInstanceOf(ExecError);
        expect((dir as ExecError).reason).toMatch(/no such file or directory/);
      },
      TIMEOUT,
    );
  });

  describe("the container under the command", () => {
    it(
      "a container stopped while the command runs resolves with what the engine reports: exit code 137",
      async () => {
        const container = await runningContainer();
        const running = driver.execInContainer(
          container,
          { command: ["sh", "-c", "echo started; sleep 600"] },
          { onOutput: () => void driver.stopContainer(container, { timeout: 0 }) },
        );
        const result: ExecResult = await running;
        expect(result).toMatchObject({ exitCode: 137, timedOut: false, aborted: false, stdout: "started\n" });
        await driver.removeContainer(container);
      },
      TIMEOUT,
    );

    it(
      "a container removed while the command runs: exit code 137 when the engine still knows the exec, else ContainerNotFoundError",
      async () => {
        const container = await runningContainer();
        let removal: Promise<void> | undefined;
        const outcome = await driver
          .execInContainer(
            container,
            { command: ["sh", "-c", "echo started; sleep 600"] },
            {
              onOutput: () => {
                removal ??= driver.removeContainer(container);
              },
            },
          )
          .catch((error: unknown) => error);
        await removal;
        // The removal stops the container first, which ends the command (137); the exec's record goes with the
        // container, so an inspect that comes after the removal finds nothing.
        if (outcome instanceof Error) expect(outcome).toBeInstanceOf(ContainerNotFoundError);
        else expect(outcome).toMatchObject({ exitCode: 137, timedOut: false, stdout: "started\n" });
        expect(await driver.getContainer(container)).toBeNull();
      },
      TIMEOUT,
    );

    it(
      "a container of another namespace, a name and a short id are unknown: ContainerNotFoundError",
      async () => {
        const other = new DockerDriver({ socketPath: SOCKET_PATH, namespace: `${namespace}-other` });
        const foreign = await other.createContainer(
          createDriverConfig({ sessionId: "foreign", image: TEST_IMAGE, command: STEADY_COMMAND }),
        );
        try {
          await other.startContainer(foreign.id);
          for (const target of [foreign.id, id.slice(0, 12)]) {
            await expect(driver.execInContainer(target, { command: ["true"] })).rejects.toBeInstanceOf(
              ContainerNotFoundError,
            );
          }
          const name = (await docker.getContainer(id).inspect()).Name.slice(1);
          await expect(driver.execInContainer(name, { command: ["true"] })).rejects.toBeInstanceOf(
            ContainerNotFoundError,
          );
        } finally {
          await other.cleanup();
        }
      },
      TIMEOUT,
    );

    it(
      "an id the client has seen before: paused, stopped or removed since, the table still decides",
      async () => {
        const container = await runningContainer();
        expect((await driver.execInContainer(container, { command: ["true"] })).exitCode).toBe(0);
        // Paused behind the driver's back, with the engine's own pause, as an operator would.
        await docker.getContainer(container).pause();
        await expect(driver.execInContainer(container, { command: ["true"] })).rejects.toMatchObject({
          name: "ContainerStateError",
          status: "paused",
        });
        await docker.getContainer(container).unpause();
        await driver.stopContainer(container, { timeout: 0 });
        await expect(driver.execInContainer(container, { command: ["true"] })).rejects.toMatchObject({
          name: "ContainerStateError",
          status: "stopped",
        });
        await driver.removeContainer(container);
        await expect(driver.execInContainer(container, { command: ["true"] })).rejects.toBeInstanceOf(
          ContainerNotFoundError,
        );
      },
      TIMEOUT,
    );

    it(
      "a created container refuses with ContainerStateError naming its status",
      async () => {
        sessions += 1;
        const created = await driver.createContainer(
          createDriverConfig({ sessionId: `x${sessions}`, image: TEST_IMAGE }),
        );
        const error = await driver.execInContainer(created.id, { command: ["true"] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ContainerStateError);
        expect(error).toMatchObject({ status: "created", operation: "execInContainer" });
        await driver.removeContainer(created.id);
      },
      TIMEOUT,
    );
  });

  it("checks the request before any engine call: ConfigurationError even without an engine", async () => {
    const offline = new DockerDriver({ socketPath: "/nonexistent/docker.sock", namespace });
    for (const request of [
      { command: ["echo", "a\u0000b"] },
      { command: ["pwd"], workingDir: "relative" },
      { command: ["env"], env: { "NOT-A-NAME": "x" } },
    ]) {
      await expect(offline.execInContainer("0".repeat(64), request)).rejects.toBeInstanceOf(ConfigurationError);
    }
    await expect(offline.execInContainer(42 as unknown as string, { command: ["true"] })).rejects.toBeInstanceOf(
      ConfigurationError,
    );
  });
});
