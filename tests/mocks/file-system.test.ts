/**
 * The mocks' in-memory file systems: containers share the image and never
 * each other's changes, volumes are shared trees, capacity is a bound,
 * replacing a file is all or nothing, and /proc and /dev are made up from
 * the container.
 */
import { describe, expect, it } from "vitest";
import { RUNTIME_CREDENTIALS } from "./fs/credentials.js";
import { FsError, FsTree, makeDir } from "./fs/tree.js";
import { createHarness } from "./machine-harness.js";

const runtime = { cred: RUNTIME_CREDENTIALS };
const text = (source: ReturnType<ReturnType<typeof createHarness>["machine"]["fs"]["open"]>) =>
  source.kind === "bytes"
    ? new TextDecoder().decode(Buffer.concat(source.chunks.map((chunk) => Buffer.from(chunk))))
    : source.device;

async function* slowly(chunks: string[], gate?: Promise<void>): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) {
    if (gate !== undefined) await gate;
    yield new TextEncoder().encode(chunk);
  }
}

describe("layers over the image", () => {
  it("copy what a container changes into its own layer: another container and the image do not see it", async () => {
    const first = createHarness({ readOnly: false });
    const second = createHarness({ readOnly: false });
    await first.sh("echo changed > /etc/hostname; rm /etc/group", { user: "0:0" });
    expect(text(first.machine.fs.open("/etc/hostname", runtime))).toBe("changed\n");
    expect(first.machine.fs.exists("/etc/group", runtime)).toBe(false);
    expect(text(second.machine.fs.open("/etc/hostname", runtime))).toBe("mock\n");
    expect(second.machine.fs.exists("/etc/group", runtime)).toBe(true);
    expect(first.layer.used).toBe("changed\n".length);
  });

  it("refuse to grow a tree beyond its capacity with ENOSPC, and count what is removed", async () => {
    const box = createHarness({ capacity: 1_000 });
    const full = await box.sh("head -c 1500 /dev/zero > /tmp/big; echo $?");
    expect(full).toMatchObject({ stdout: "1\n", stderr: "head: write error: No space left on device\n" });
    expect(box.tmpfs.used).toBeLessThanOrEqual(1_000);
    await box.sh("rm -f /tmp/big; head -c 900 /dev/zero > /tmp/fits");
    expect(box.tmpfs.used).toBe(900);
  });
});

describe("volumes", () => {
  it("are one tree at their target in every container that mounts them", async () => {
    const writer = createHarness();
    const reader = createHarness({ volume: writer.volume });
    await writer.sh("echo shared > /data/note");
    expect((await reader.sh("cat /data/note")).stdout).toBe("shared\n");
    expect(reader.machine.fs.mountsText()).toMatch(/^overlay \/ overlay ro,relatime 0 0\n/);
    expect(reader.machine.fs.mountsText()).toMatch(/\nvolume \/data ext4 rw,relatime 0 0\n/);
  });
});

describe("replacing a file as the runtime", () => {
  it("writes parents owned by the given owner, and swaps the file in only once every chunk arrived", async () => {
    const box = createHarness();
    await box.machine.fs.replaceFile("/tmp/a/b/file", slowly(["x"]), { mode: 0o600, owner: { uid: 1000, gid: 1000 } });
    expect(box.machine.fs.stat("/tmp/a", runtime)).toMatchObject({ kind: "dir", mode: 0o755, uid: 1000 });
    expect(box.machine.fs.stat("/tmp/a/b/file", runtime)).toMatchObject({
      kind: "file",
      mode: 0o600,
      uid: 1000,
      size: 1,
    });
    const controller = new AbortController();
    let letGo: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    const replacing = box.machine.fs.replaceFile("/tmp/a/b/file", slowly(["new", "er"], gate), {
      mode: 0o644,
      owner: { uid: 0, gid: 0 },
      signal: controller.signal,
    });
    controller.abort();
    letGo();
    await expect(replacing).rejects.toThrow();
    expect(text(box.machine.fs.open("/tmp/a/b/file", runtime))).toBe("x");
    expect(box.tmpfs.used).toBe(1);
  });

  it("refuses a read-only mount, a parent that is a file, and a directory as the target", async () => {
    const box = createHarness();
    const owner = { uid: 0, gid: 0 };
    const codeOf = (path: string) =>
      box.machine.fs.replaceFile(path, slowly(["x"]), { mode: 0o644, owner }).then(
        () => "written",
        (error: unknown) => (error instanceof FsError ? error.code : String(error)),
      );
    await box.sh("echo file > /tmp/plain");
    expect(await codeOf("/etc/passwd")).toBe("EROFS");
    expect(await codeOf("/tmp/plain/child")).toBe("ENOTDIR");
    expect(await codeOf("/tmp")).toBe("EISDIR");
    expect(await codeOf("/proc/self/environ")).toBe("EROFS");
  });
});

describe("/proc and /dev", () => {
  it("show the processes as they are, mounts, and devices", async () => {
    const box = createHarness();
    const listed = await box.sh(
      "ls /proc; cat /proc/self/cmdline | tr '\\0' ' '; echo; ls /dev; head -c 3 /dev/zero | od -An -tx1",
    );
    expect(listed.stdout).toMatch(/^\d+\n\d+\n(\d+\n)*mounts\nself\n/);
    expect(listed.stdout).toContain("cat /proc/self/cmdline \n");
    expect(listed.stdout).toContain("null\nrandom\nstderr\nstdin\nstdout\ntty\nurandom\nzero\n");
    expect(listed.stdout).toMatch(/ 00 00 00\n$/);
    expect(() =>
      new FsTree("t", makeDir({ mode: 0o755, uid: 0, gid: 0, mtime: 0 }, undefined), 1).reserve(2, "/x"),
    ).toThrow(FsError);
  });
});
