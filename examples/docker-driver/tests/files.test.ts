/**
 * The Docker driver's files on a real engine, beyond what the conformance
 * tier checks: every status, the driver's memory-backed `/tmp`, the owner for
 * each form of `security.user`, modes, links that point out of a mount or out
 * of the container, concurrent writes (the last caller wins), aborts, memory
 * while 128 MiB move each way, and nothing left on the engine or in the
 * host's temporary directory afterwards.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { Readable } from "node:stream";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ContainerStateError,
  createDriverConfig,
  type DriverConfigInput,
  type FileContent,
  FileNotFoundError,
  FileSystemError,
  OperationAbortedError,
  type WriteFileOptions,
} from "../../../src/index.js";
import { DockerDriver } from "../src/driver.js";
import {
  describeWithEngine,
  docker,
  IDLE_COMMAND,
  leftovers,
  SOCKET_PATH,
  TEST_IMAGE,
  uniqueNamespace,
} from "./engine.js";

const TIMEOUT = 120_000;
const MiB = 1024 * 1024;

/**
 * Run `script` in a running container, through the engine (the driver has no
 * exec), as root (without capabilities, as every container of the driver)
 * or as `user`; its output.
 */
async function execAsRoot(id: string, script: string, user = "0:0"): Promise<string> {
  const exec = await docker.getContainer(id).exec({
    Cmd: ["sh", "-c", script],
    User: user,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on("end", resolve));
  // The multiplexed stream: an 8-byte header (stream, size) before each frame.
  const raw = Buffer.concat(chunks);
  const frames: Buffer[] = [];
  for (let offset = 0; offset + 8 <= raw.length; offset += 8 + raw.readUInt32BE(offset + 4)) {
    frames.push(raw.subarray(offset + 8, offset + 8 + raw.readUInt32BE(offset + 4)));
  }
  return Buffer.concat(frames).toString("utf8");
}

/** `uid gid mode` (octal) of a path, as a process in the container sees it. */
async function ownerAndMode(id: string, path: string): Promise<string> {
  return (await execAsRoot(id, `stat -c '%u %g %a' '${path}'`)).trim();
}

async function text(bytes: Promise<Uint8Array>): Promise<string> {
  return Buffer.from(await bytes).toString("utf8");
}

/** Spool files of writes still in the host's temporary directory (each is unlinked as soon as it is opened). */
function spoolFiles(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith("openagent-write-"));
}

/** How far the resident set grew above its size at the start while `action` ran, sampled every 5 ms. */
async function peakRssGrowth(action: () => Promise<void>): Promise<number> {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  try {
    await action();
  } finally {
    clearInterval(sample);
  }
  return Math.max(peak, process.memoryUsage().rss) - base;
}

/** The chunks of `source`, one every 50 ms (about 20 MiB/s), telling `sent` how many went. */
async function* slowly(source: AsyncIterable<Uint8Array>, sent: (count: number) => void): AsyncGenerator<Uint8Array> {
  let count = 0;
  for await (const chunk of source) {
    yield chunk;
    sent(++count);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `size` bytes as an async iterable of one reused 4 MiB buffer, so the producer itself holds almost nothing. */
async function* reusedChunks(size: number): AsyncGenerator<Uint8Array> {
  const chunk = new Uint8Array(4 * MiB).fill(0x5a);
  for (let sent = 0; sent < size; sent += chunk.byteLength) {
    yield chunk.subarray(0, Math.min(chunk.byteLength, size - sent));
  }
}

/** A driver that collects the whole content before writing: what the memory check must catch. */
function bufferingWrite(driver: DockerDriver) {
  return async (id: string, path: string, content: FileContent, options?: WriteFileOptions) => {
    const parts: Uint8Array[] = [];
    for await (const chunk of content as AsyncIterable<Uint8Array>) parts.push(Uint8Array.prototype.slice.call(chunk));
    await driver.writeFile(id, path, Buffer.concat(parts), options);
  };
}

describeWithEngine("DockerDriver files on a real engine", () => {
  const namespace = uniqueNamespace("files-test");
  let driver: DockerDriver;

  beforeAll(() => {
    driver = new DockerDriver({ socketPath: SOCKET_PATH, namespace });
  });

  afterAll(async () => {
    await driver.cleanup();
    // Checked with the engine itself: containers, volumes (the /tmp volumes included) and networks.
    expect(await leftovers(namespace)).toEqual({ containers: [], volumes: [], networks: [] });
    expect(spoolFiles()).toEqual([]);
  }, TIMEOUT);

  let sessions = 0;
  async function container(input: DriverConfigInput = {}, start = true): Promise<string> {
    sessions += 1;
    const created = await driver.createContainer(
      createDriverConfig({ sessionId: `f${sessions}`, image: TEST_IMAGE, command: IDLE_COMMAND, ...input }),
    );
    if (start) await driver.startContainer(created.id);
    return created.id;
  }

  describe("status", () => {
    it(
      "works on a created, running, paused, stopped and exited container",
      async () => {
        const id = await container({ security: { readOnly: false } }, false);
        await driver.writeFile(id, "/inputs/task.json", '{"task":1}');
        await driver.startContainer(id);
        expect(await text(driver.readFile(id, "/inputs/task.json"))).toBe('{"task":1}');
        await docker.getContainer(id).pause();
        expect((await driver.getContainer(id))?.status).toBe("paused");
        await driver.writeFile(id, "/inputs/while-paused", "paused");
        await docker.getContainer(id).unpause();
        await driver.stopContainer(id, { timeout: 2_000 });
        await driver.writeFile(id, "/inputs/while-stopped", "stopped");
        expect(await text(driver.readFile(id, "/inputs/while-paused"))).toBe("paused");
        await driver.startContainer(id);
        expect(await execAsRoot(id, "cat /inputs/while-stopped /inputs/while-paused")).toBe("stoppedpaused");

        // The use a platform has for it: read what a command left behind after it exited.
        const once = await container({
          security: { readOnly: false },
          command: ["sh", "-c", "echo result > /home/openagent/result.txt"],
        });
        await driver.getContainerLogs(once, { follow: true });
        expect((await driver.getContainer(once))?.status).toBe("exited");
        expect(await text(driver.readFile(once, "/home/openagent/result.txt"))).toBe("result\n");
        await driver.writeFile(once, "/home/openagent/next.txt", "for the next run");
        expect(await text(driver.readFile(once, "/home/openagent/next.txt"))).toBe("for the next run");
      },
      TIMEOUT,
    );

    it(
      "the /tmp of a read-only container: written and seen while it runs, refused while it does not, empty after a restart",
      async () => {
        const id = await container({}, false);
        const early = driver.writeFile(id, "/tmp/input", "x");
        await expect(early).rejects.toBeInstanceOf(ContainerStateError);
        await expect(early).rejects.toMatchObject({ status: "created", context: { mount: "/tmp" } });
        await driver.startContainer(id);
        await driver.writeFile(id, "/tmp/work/input", "scratch", { mode: 0o600 });
        // Mode 0600: only its owner reads it (root without capabilities may not).
        expect(await execAsRoot(id, "cat /tmp/work/input; grep ' /tmp ' /proc/mounts", "openagent")).toMatch(
          /^scratchtmpfs \/tmp tmpfs rw,nosuid,nodev/,
        );
        expect(await ownerAndMode(id, "/tmp/work/input")).toBe("1000 1000 600");
        await driver.stopContainer(id, { timeout: 2_000 });
        await expect(driver.writeFile(id, "/tmp/late", "x")).rejects.toMatchObject({ status: "stopped" });
        // A tmpfs is empty when it is mounted again: reading after the stop finds nothing, as after a reboot.
        await expect(driver.readFile(id, "/tmp/work/input")).rejects.toBeInstanceOf(FileNotFoundError);
        await driver.startContainer(id);
        await expect(driver.readFile(id, "/tmp/work/input")).rejects.toBeInstanceOf(FileNotFoundError);
      },
      TIMEOUT,
    );
  });

  describe("owner and mode", () => {
    const cases: readonly [string, string][] = [
      ["openagent", "1000 1000"],
      ["1000", "1000 1000"],
      ["0:0", "0 0"],
      ["nobody", "65534 65534"],
      ["openagent:nogroup", "1000 65534"],
      ["1234", "1234 0"],
      ["1234:4321", "1234 4321"],
      // Beyond a ustar header's six octal digits: the ids travel in PAX records.
      ["1000000:2000000", "1000000 2000000"],
    ];
    for (const [user, expected] of cases) {
      it(
        `security.user ${user}: the file and its new parents belong to ${expected}, as the process does`,
        async () => {
          const id = await container({ security: { readOnly: false, user } });
          await driver.writeFile(id, "/owned/sub/file.txt", "mine", { mode: 0o640 });
          expect(await ownerAndMode(id, "/owned/sub/file.txt")).toBe(`${expected} 640`);
          expect(await ownerAndMode(id, "/owned/sub")).toBe(`${expected} 755`);
          expect(await ownerAndMode(id, "/owned")).toBe(`${expected} 755`);
          const process = await execAsRoot(id, "stat -c '%u %g' /proc/1");
          expect(process.trim()).toBe(expected);
          await driver.removeContainer(id);
        },
        TIMEOUT,
      );
    }

    it(
      "honours every mode, 0 and setuid included; an existing parent keeps its owner and mode",
      async () => {
        const id = await container({ security: { readOnly: false } });
        for (const mode of [0, 0o600, 0o755, 0o4755, 0o2750, 0o1777]) {
          await driver.writeFile(id, `/modes/m${mode.toString(8)}`, "x", { mode });
          expect(await ownerAndMode(id, `/modes/m${mode.toString(8)}`)).toBe(`1000 1000 ${mode.toString(8)}`);
        }
        await driver.writeFile(id, "/etc/openagent-probe", "x");
        expect(await ownerAndMode(id, "/etc")).toBe("0 0 755");
        expect(await ownerAndMode(id, "/")).toBe("0 0 755");
      },
      TIMEOUT,
    );

    it(
      "a user that is not in the container's /etc/passwd is a FileSystemError (unknown-user), as the engine could not start it",
      async () => {
        const id = await container({ security: { readOnly: false, user: "ghost" } }, false);
        const refused = driver.writeFile(id, "/x", "x");
        await expect(refused).rejects.toBeInstanceOf(FileSystemError);
        await expect(refused).rejects.toMatchObject({ context: { reason: "unknown-user", path: "/x" } });
        await expect(driver.readFile(id, "/x")).rejects.toBeInstanceOf(FileNotFoundError);
      },
      TIMEOUT,
    );
  });

  describe("links", () => {
    it(
      "a link out of a mount into a read-only root is refused; nothing lands in the container's or the host's /etc",
      async () => {
        const volume = await driver.createVolume({ name: `${namespace}-links` });
        const id = await container({ volumes: [{ source: volume.name, target: "/data" }] });
        await execAsRoot(id, "ln -s /etc /data/abs; ln -s ../../../../../../etc /data/up; ln -s / /data/root");
        const probe = `openagent-probe-${randomBytes(4).toString("hex")}`;
        for (const path of [`/data/abs/${probe}`, `/data/up/${probe}`, `/data/root/etc/${probe}`]) {
          const refused = driver.writeFile(id, path, "must not land");
          await expect(refused).rejects.toBeInstanceOf(FileSystemError);
          await expect(refused).rejects.toMatchObject({ context: { reason: "read-only", path } });
        }
        expect(await execAsRoot(id, `ls /etc/${probe} 2>&1 || true`)).toContain("No such file");
        expect(existsSync(`/etc/${probe}`)).toBe(false);
        await driver.removeContainer(id);
        await driver.removeVolume(volume.id);
      },
      TIMEOUT,
    );

    it(
      "links resolve inside the container, never on the host: a link to /etc writes the container's /etc",
      async () => {
        const id = await container({ security: { readOnly: false } });
        await execAsRoot(
          id,
          "mkdir -p /work && ln -s ../../../../../../etc /work/up && echo target > /work/real && ln -s /work/real /work/link && ln -s /missing/file /work/dangling",
        );
        const probe = `openagent-probe-${randomBytes(4).toString("hex")}`;
        await driver.writeFile(id, `/work/up/${probe}`, "inside");
        expect(await text(driver.readFile(id, `/etc/${probe}`))).toBe("inside");
        expect(existsSync(`/etc/${probe}`)).toBe(false);
        // A path that is a link is written and read at its target, as a shell's > and cat would; the link stays.
        expect(await text(driver.readFile(id, "/work/link"))).toBe("target\n");
        await driver.writeFile(id, "/work/link", "replaced");
        expect(await execAsRoot(id, "cat /work/real; readlink /work/link")).toBe("replaced/work/real\n");
        await expect(driver.readFile(id, "/work/dangling")).rejects.toBeInstanceOf(FileNotFoundError);
        await driver.writeFile(id, "/work/dangling", "created at the target");
        expect(await execAsRoot(id, "cat /missing/file")).toBe("created at the target");
      },
      TIMEOUT,
    );
  });

  describe("bad input", () => {
    it(
      "directories, files in the way, empty files and unusual names have defined results",
      async () => {
        const id = await container({ security: { readOnly: false } });
        await driver.writeFile(id, "/box/inner.txt", "kept");
        const onDirectory = driver.writeFile(id, "/box", "x");
        await expect(onDirectory).rejects.toMatchObject({ context: { reason: "is-a-directory", path: "/box" } });
        expect(await text(driver.readFile(id, "/box/inner.txt"))).toBe("kept");
        await expect(driver.readFile(id, "/box")).rejects.toMatchObject({ context: { reason: "is-a-directory" } });
        await expect(driver.readFileStream(id, "/")).rejects.toMatchObject({ issues: [{ path: "path" }] });
        await expect(driver.writeFile(id, "/box/inner.txt/x", "x")).rejects.toMatchObject({
          context: { reason: "not-a-directory" },
        });
        await expect(driver.readFile(id, "/box/inner.txt/x")).rejects.toMatchObject({
          context: { reason: "not-a-directory" },
        });
        await driver.writeFile(id, "/box/empty", new Uint8Array(0));
        expect((await driver.readFile(id, "/box/empty")).byteLength).toBe(0);
        const name = `/box/dir with spaces/naïve – 名前 🚀 ${"long".repeat(40)}.txt`;
        await driver.writeFile(id, name, "unusual");
        expect(await text(driver.readFile(id, name))).toBe("unusual");
        // The shell hands the name's UTF-8 bytes to cat as they are: the name on disk is exactly the one asked for.
        expect(await execAsRoot(id, `cat '${name}'`)).toBe("unusual");
        await expect(driver.writeFile(id, "/box/../etc/x", "x")).rejects.toMatchObject({
          issues: [{ path: "path" }],
        });
        await expect(driver.writeFile(id, "/box/x", 42 as unknown as string)).rejects.toMatchObject({
          issues: [{ path: "content" }],
        });
        await expect(
          driver.writeFile(
            id,
            "/box/x",
            (async function* () {
              yield "text" as unknown as Uint8Array;
            })(),
          ),
        ).rejects.toMatchObject({
          issues: [{ path: "content" }],
        });
        await expect(driver.readFile(id, "/box/inner.txt", { maxBytes: 3 })).rejects.toMatchObject({
          resource: "fileBytes",
          limit: 3,
          requested: 4,
        });
      },
      TIMEOUT,
    );

    it(
      "concurrent writes to one path take turns: the last caller's content wins, whole",
      async () => {
        const id = await container({ security: { readOnly: false } });
        const contents = Array.from({ length: 6 }, (_, writer) => Buffer.alloc(2 * MiB, writer + 1));
        await Promise.all(contents.map((content) => driver.writeFile(id, "/race/file", content)));
        expect(Buffer.from(await driver.readFile(id, "/race/file")).equals(contents[5] as Buffer)).toBe(true);
      },
      TIMEOUT,
    );
  });

  describe("aborts", () => {
    it(
      "an abort while the driver still reads the content leaves the file as it was",
      async () => {
        const id = await container({ security: { readOnly: false } });
        await driver.writeFile(id, "/abort/file", "old");
        const controller = new AbortController();
        async function* content(): AsyncGenerator<Uint8Array> {
          yield new Uint8Array(8 * MiB);
          controller.abort();
          yield new Uint8Array(8 * MiB);
        }
        await expect(
          driver.writeFile(id, "/abort/file", content(), { signal: controller.signal }),
        ).rejects.toBeInstanceOf(OperationAbortedError);
        expect(await text(driver.readFile(id, "/abort/file"))).toBe("old");
        expect(spoolFiles()).toEqual([]);
      },
      TIMEOUT,
    );

    it(
      "an abort during the transfer rejects at once and may leave the file partly written (the engine writes as it receives)",
      async () => {
        // A driver whose uploads are throttled, and which aborts once 8 of the 64 chunks of 1 MiB went to the
        // engine: the abort surely comes mid-transfer. (The engine's own stat cannot tell: it waits for the
        // upload, which holds the container's lock.)
        const controller = new AbortController();
        const abortAfterEight = (count: number) => {
          if (count === 8) controller.abort();
        };
        const throttled = new Docker({ socketPath: SOCKET_PATH });
        const containerOf = throttled.getContainer.bind(throttled);
        throttled.getContainer = (id: string) => {
          const engineContainer = containerOf(id);
          const put = engineContainer.putArchive.bind(engineContainer);
          engineContainer.putArchive = ((file: NodeJS.ReadableStream, options: object) =>
            put(
              Readable.from(slowly(file as AsyncIterable<Uint8Array>, abortAfterEight)),
              options,
            )) as typeof engineContainer.putArchive;
          return engineContainer;
        };
        const slowDriver = new DockerDriver({ socketPath: SOCKET_PATH, namespace, docker: throttled });
        const id = await container({ security: { readOnly: false } });
        const size = 64 * MiB;
        const writing = slowDriver.writeFile(id, "/abort/big", new Uint8Array(size), { signal: controller.signal });
        await expect(writing).rejects.toBeInstanceOf(OperationAbortedError);
        const left = await driver.readFile(id, "/abort/big", { maxBytes: size }).catch(() => new Uint8Array(0));
        expect(left.byteLength).toBeLessThan(size);
        // The connection was released: the next call works.
        await slowDriver.writeFile(id, "/abort/big", "after");
        expect(await text(driver.readFile(id, "/abort/big"))).toBe("after");
      },
      TIMEOUT,
    );
  });

  describe("memory", () => {
    const size = 128 * MiB;

    it(
      `streams ${size / MiB} MiB in and out within 64 MiB of resident memory; a driver that buffers does not`,
      async () => {
        const id = await container({ security: { readOnly: false } });
        const written = await peakRssGrowth(() => driver.writeFile(id, "/big/file", reusedChunks(size)));
        let received = 0;
        const read = await peakRssGrowth(async () => {
          for await (const chunk of await driver.readFileStream(id, "/big/file")) received += chunk.byteLength;
        });
        expect(received).toBe(size);
        expect(written).toBeLessThan(64 * MiB);
        expect(read).toBeLessThan(64 * MiB);
        // The check can fail: the same write through a driver that buffers the content grows by the file's size.
        const buffered = await peakRssGrowth(() => bufferingWrite(driver)(id, "/big/buffered", reusedChunks(size)));
        expect(buffered).toBeGreaterThan(size);
        console.info(
          `[files memory] peak RSS growth: write ${(written / MiB).toFixed(1)} MiB, read ${(read / MiB).toFixed(1)} MiB, buffering write ${(buffered / MiB).toFixed(1)} MiB`,
        );
      },
      TIMEOUT,
    );
  });
});
