/**
 * What mock containers run: the main command (output to the logs, exit
 * code, stdin on every start, env, user, stop with SIGTERM and SIGKILL after
 * the grace period), execs (output, timeout and abort that kill everything,
 * bounded output, the status rule), and a test's exec handler and programs.
 */
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  ContainerStateError,
  createDriverConfig,
  createManualClock,
  type DriverConfigInput,
  ExecError,
  FileNotFoundError,
} from "../../src/index.js";
import {
  createVirtualClock,
  type MockDriver,
  type MockDriverOptions,
  MockDockerDriver,
  MockLocalDriver,
} from "./index.js";

const config = (input: DriverConfigInput = {}) =>
  createDriverConfig({ sessionId: "s-1", image: "alpine:3.20", ...input });

describe.each([
  ["mock-docker", (options: MockDriverOptions) => new MockDockerDriver(options)],
  ["mock-local", (options: MockDriverOptions) => new MockLocalDriver(options)],
] as const)("%s", (_label, make) => {
  const driver = (options: MockDriverOptions = {}) =>
    make({ timing: "instant", clock: createVirtualClock(0), ...options });

  async function running(target: MockDriver, input: DriverConfigInput = {}): Promise<string> {
    const { id } = await target.createContainer(
      config({ command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"], ...input }),
    );
    await target.startContainer(id);
    return id;
  }

  async function ended(target: MockDriver, input: DriverConfigInput) {
    const { id } = await target.createContainer(config(input));
    await target.startContainer(id);
    const logs = await target.getContainerLogs(id, { follow: true, timestamps: true });
    return { id, logs, container: await target.getContainer(id) };
  }

  describe("the main command", () => {
    it("writes its two streams to the logs, with the clock's times, and exits with its code", async () => {
      const target = driver();
      const { id, logs, container } = await ended(target, {
        command: ["sh", "-c", "echo out; sleep 2; echo err >&2; exit 3"],
      });
      expect(logs).toBe("1970-01-01T00:00:00.000Z out\n1970-01-01T00:00:02.000Z err\n");
      expect(container).toMatchObject({ status: "exited", exitCode: 3, state: "error" });
      expect(await target.getContainerLogs(id, { stream: "stderr" })).toBe("err\n");
    });

    it("gets the config's stdin on every start, then end of input, and the config's env but not the host's", async () => {
      const target = driver();
      process.env.MOCK_HOST_ONLY = "leak";
      try {
        const { id, logs } = await ended(target, {
          command: ["sh", "-c", "cat; env | grep -e ^TASK= -e ^MOCK_HOST"],
          stdin: "hello\n",
          env: { TASK: "t-1" },
        });
        expect(logs.replace(/^\S+ /gm, "")).toBe("hello\nTASK=t-1\n");
        await target.startContainer(id);
        await target.getContainerLogs(id, { follow: true });
        expect(await target.getContainerLogs(id)).toBe("hello\nTASK=t-1\nhello\nTASK=t-1\n");
      } finally {
        delete process.env.MOCK_HOST_ONLY;
      }
    });

    it("runs as the configured user, and a command the mock cannot run is simulated until stopped", async () => {
      const target = driver();
      expect((await ended(target, { command: ["id", "-u"], security: { user: "0:0" } })).logs).toMatch(/ 0\n$/);
      const { id } = await target.createContainer(config({ command: ["python3", "agent.py"] }));
      await target.startContainer(id);
      expect((await target.getContainer(id))?.status).toBe("running");
      await target.stopContainer(id);
      expect(await target.getContainerLogs(id, { tail: 1 })).toBe("stopped: exit code 143\n");
    });

    it("stops with SIGTERM, waits the grace period for a command that ignores it, then kills it", async () => {
      const clock = createManualClock();
      const target = make({ timing: "instant", clock });
      const polite = await running(target);
      await target.stopContainer(polite);
      expect(await target.getContainer(polite)).toMatchObject({ status: "stopped", exitCode: 0 });
      const { id } = await target.createContainer(config({ command: ["sh", "-c", "trap '' TERM; sleep 3600"] }));
      await target.startContainer(id);
      let stopped = false;
      const stopping = target.stopContainer(id, { timeout: 5_000 }).then(() => {
        stopped = true;
      });
      await clock.advance(4_999);
      expect(stopped).toBe(false);
      await clock.advance(1);
      await stopping;
      expect(await target.getContainer(id)).toMatchObject({ status: "stopped", exitCode: 137 });
    });

    it("kills what else runs in the container when the main command ends", async () => {
      const clock = createVirtualClock(0);
      const target = driver({ clock });
      const { id } = await ended(target, { command: ["sh", "-c", "(sleep 1; echo late > /tmp/late) & echo started"] });
      await clock.sleep(2_000);
      await expect(target.readFile(id, "/tmp/late")).rejects.toBeInstanceOf(FileNotFoundError);
    });
  });

  describe("execInContainer", () => {
    it("resolves with the exit code and both streams, onOutput seeing each chunk before it resolves", async () => {
      const target = driver();
      const id = await running(target);
      const chunks: string[] = [];
      let resolved = false;
      const result = await target
        .execInContainer(
          id,
          { command: ["sh", "-c", "echo a; echo b >&2; exit 4"] },
          { onOutput: (chunk) => chunks.push(`${chunk.stream}:${chunk.text}${resolved}`) },
        )
        .finally(() => {
          resolved = true;
        });
      expect(result).toMatchObject({
        exitCode: 4,
        stdout: "a\n",
        stderr: "b\n",
        timedOut: false,
        aborted: false,
        truncated: false,
      });
      expect(chunks).toEqual(["stdout:a\nfalse", "stderr:b\nfalse"]);
    });

    it("kills the command and all it started on timeout or abort, with exitCode null and the output so far", async () => {
      const target = driver();
      const id = await running(target);
      const spawning = ["sh", "-c", "sleep 600 & setsid sleep 600 & (sleep 600 &); echo started; sleep 600"];
      const timedOut = await target.execInContainer(id, { command: spawning, timeoutMs: 1_500, env: { MARK: "t" } });
      expect(timedOut).toMatchObject({
        exitCode: null,
        timedOut: true,
        aborted: false,
        stdout: "started\n",
        durationMs: 1_500,
      });
      const controller = new AbortController();
      const aborted = await target.execInContainer(
        id,
        { command: spawning, env: { MARK: "t" } },
        { signal: controller.signal, onOutput: () => controller.abort() },
      );
      expect(aborted).toMatchObject({ exitCode: null, timedOut: false, aborted: true, stdout: "started\n" });
      const left = await target.execInContainer(id, {
        command: ["sh", "-c", "cat /proc/[0-9]*/environ | tr '\\0' '\\n' | grep -c MARK=t"],
      });
      expect(left.stdout).toBe("0\n");
      expect(await target.execInContainer(id, { command: ["true"] }, { signal: AbortSignal.abort() })).toMatchObject({
        aborted: true,
        exitCode: null,
      });
    });

    it("keeps the first maxOutputBytes of each stream, whole characters only, and says it truncated", async () => {
      const target = driver();
      const id = await running(target);
      const result = await target.execInContainer(id, { command: ["printf", "aé€"], maxOutputBytes: 5 });
      expect(result).toMatchObject({ stdout: "aé", truncated: true, exitCode: 0 });
    });

    it("refuses a container that does not run with ContainerStateError, and an invalid request before anything else", async () => {
      const target = driver();
      const { id } = await target.createContainer(config({ command: ["sh", "-c", "sleep 60"] }));
      await expect(target.execInContainer(id, { command: ["true"] })).rejects.toMatchObject({
        name: "ContainerStateError",
        status: "created",
      });
      await expect(target.execInContainer("missing", { command: [] })).rejects.toBeInstanceOf(ConfigurationError);
      await target.startContainer(id);
      await target.pauseContainer(id);
      await expect(target.execInContainer(id, { command: ["true"] })).rejects.toBeInstanceOf(ContainerStateError);
    });

    it("runs as the requested user in the requested directory, 126 for a missing one and 127 for an unknown program", async () => {
      const target = driver();
      const id = await running(target);
      expect(
        (await target.execInContainer(id, { command: ["sh", "-c", "id -u; pwd"], user: "4321", workingDir: "/tmp" }))
          .stdout,
      ).toBe("4321\n/tmp\n");
      expect(await target.execInContainer(id, { command: ["pwd"], workingDir: "/nowhere" })).toMatchObject({
        exitCode: 126,
      });
      expect(await target.execInContainer(id, { command: ["nosuch"] })).toMatchObject({
        exitCode: 127,
        stderr: 'exec: "nosuch": executable file not found in $PATH\n',
      });
    });

    it("fails with the retryable ExecError by default when a fault is injected", async () => {
      const target = driver();
      const id = await running(target);
      target.faults.failNext("execInContainer", 1);
      await expect(target.execInContainer(id, { command: ["true"] })).rejects.toBeInstanceOf(ExecError);
    });
  });

  describe("a test's own commands", () => {
    it("an exec handler answers the commands it takes, for execs and main commands; the rest falls through", async () => {
      const seen: string[] = [];
      const target = driver({
        exec: (request, context) => {
          seen.push(`${request.kind}:${request.command.join(" ")}`);
          if (request.command[0] !== "python3") return undefined;
          return context.sleep(10).then(() => ({ exitCode: 0, stdout: `py ${request.env.TASK ?? ""}\n` }));
        },
      });
      const { logs } = await ended(target, { command: ["python3", "main.py"], env: { TASK: "t" } });
      expect(logs).toMatch(/ py t\n$/);
      const id = await running(target);
      expect((await target.execInContainer(id, { command: ["python3", "-V"] })).stdout).toBe("py \n");
      expect((await target.execInContainer(id, { command: ["echo", "builtin"] })).stdout).toBe("builtin\n");
      expect(seen).toContain("exec:echo builtin");
    });

    it("programs are found through PATH, also from sh -c", async () => {
      const target = driver({
        programs: { greet: (context) => context.write(`hi ${context.argv[1] ?? ""}\n`).then(() => 0) },
      });
      const id = await running(target);
      expect(
        (await target.execInContainer(id, { command: ["sh", "-c", "greet you && command -v greet"] })).stdout,
      ).toBe("hi you\n/bin/greet\n");
    });
  });
});
