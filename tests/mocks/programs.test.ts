/**
 * The mocks' commands: each behaves like its busybox counterpart for the
 * options docs/MOCK_DRIVERS.md lists, and fails the way it does.
 */
import { describe, expect, it } from "vitest";
import { createHarness, manualClock } from "./machine-harness.js";

describe("text and byte commands", () => {
  it("echo and printf", async () => {
    const box = createHarness();
    expect((await box.sh("echo -n a; echo -e 'b\\tc'; echo 'd\\n'")).stdout).toBe("ab\tc\nd\\n\n");
    expect((await box.sh("printf '%s=%03d %x %-3s|\\n' a 7 255 z b 1")).stdout).toBe("a=007 ff z  |\nb=001 0    |\n");
  });

  it("head, tail, wc, sort, uniq, cut", async () => {
    const box = createHarness();
    const input = "c\nb\na\nb\nb\n";
    expect((await box.sh("head -n 2; ", { stdin: input })).stdout).toBe("c\nb\n");
    expect((await box.sh("tail -2", { stdin: input })).stdout).toBe("b\nb\n");
    expect((await box.sh("wc -l", { stdin: input })).stdout).toBe("5\n");
    expect((await box.sh("wc", { stdin: "one two\nthree\n" })).stdout).toBe("      2       3      14\n");
    expect((await box.sh("sort | uniq -c", { stdin: input })).stdout).toBe("      1 a\n      3 b\n      1 c\n");
    expect((await box.sh("sort -n -r", { stdin: "10\n9\n100\n" })).stdout).toBe("100\n10\n9\n");
    expect((await box.sh("cut -d: -f1,3 /etc/passwd | head -n 2")).stdout).toBe("root:0\nopenagent:1000\n");
  });

  it("tr translates, deletes and squeezes bytes, with ranges, escapes and classes", async () => {
    const box = createHarness();
    expect((await box.sh("tr a-z A-Z", { stdin: "hello\n" })).stdout).toBe("HELLO\n");
    expect((await box.sh("tr -d '[:digit:]'", { stdin: "a1b22c\n" })).stdout).toBe("abc\n");
    expect((await box.sh("tr -s ' '", { stdin: "a   b  c\n" })).stdout).toBe("a b c\n");
    expect((await box.sh("tr '\\0' '\\n' < /proc/self/environ | grep ^HOME=")).stdout).toBe("HOME=/home/openagent\n");
  });

  it("od dumps bytes byte for byte, in hex and octal", async () => {
    const box = createHarness();
    const bytes = Uint8Array.from([0x00, 0x7f, 0x80, 0xff, 0x0a]);
    expect((await box.run(["od", "-An", "-tx1", "-v"], { stdin: bytes })).stdout).toBe(" 00 7f 80 ff 0a\n");
    expect((await box.run(["od", "-tx1"], { stdin: "AB" })).stdout).toBe("0000000 41 42\n0000002\n");
    expect((await box.run(["od", "-c"], { stdin: "a\n" })).stdout).toBe("0000000   a  \\n\n0000002\n");
  });

  it("grep: basic and extended expressions, fixed strings, -q -x -v -c -n -i -e", async () => {
    const box = createHarness();
    const lines = "alpha\nbeta\nAlpha beta\ngamma(1)\n";
    expect((await box.sh("grep -n alpha", { stdin: lines })).stdout).toBe("1:alpha\n");
    expect((await box.sh("grep -ci ALPHA", { stdin: lines })).stdout).toBe("2\n");
    expect((await box.sh("grep -E '^(beta|gamma)'", { stdin: lines })).stdout).toBe("beta\ngamma(1)\n");
    expect((await box.sh("grep 'b\\(et\\)\\{1\\}a$'", { stdin: lines })).stdout).toBe("beta\nAlpha beta\n");
    expect((await box.sh("grep -F '(1)'", { stdin: lines })).stdout).toBe("gamma(1)\n");
    expect((await box.sh("grep -vx -e alpha -e beta", { stdin: lines })).stdout).toBe("Alpha beta\ngamma(1)\n");
    expect((await box.sh("grep -q beta && echo yes; grep -q delta || echo no", { stdin: lines })).stdout).toBe(
      "yes\nno\n",
    );
    expect(await box.sh("grep x /nope")).toMatchObject({
      status: 2,
      stderr: "grep: can't open '/nope': No such file or directory\n",
    });
  });

  it("base64, sha256sum, seq, basename, dirname", async () => {
    const box = createHarness();
    expect((await box.sh("printf hi | base64; echo aGk= | base64 -d")).stdout).toBe("aGk=\nhi");
    expect((await box.sh("printf abc | sha256sum")).stdout).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n",
    );
    expect((await box.sh("seq 3; seq 5 -2 1; basename /a/b.txt .txt; dirname /a/b")).stdout).toBe(
      "1\n2\n3\n5\n3\n1\nb\n/a\n",
    );
  });
});

describe("file commands", () => {
  it("cat, ls, touch, mkdir, cp, mv, rm in the writable places, as the process's user", async () => {
    const box = createHarness();
    const script = [
      "mkdir -p /tmp/a/b && touch /tmp/a/b/f && echo data > /tmp/a/x",
      "cp /tmp/a/x /tmp/a/y && mv /tmp/a/y /tmp/a/z && ls /tmp/a && cat /tmp/a/z",
      "ls -ln /tmp/a/x",
      "rm /tmp/a/x; rm -r /tmp/a/b; ls /tmp/a; rm /tmp/a/x",
    ].join("\n");
    const result = await box.sh(script);
    expect(result.stdout).toBe("b\nx\nz\ndata\n-rw-r--r--    1 1000     1000             5 Jan  1 00:00 /tmp/a/x\nz\n");
    expect(result.stderr).toBe("rm: can't remove '/tmp/a/x': No such file or directory\n");
  });

  it("refuse what the file system refuses: a read-only root, another user's file, a directory", async () => {
    const box = createHarness();
    expect((await box.sh("touch /probe")).stderr).toBe("touch: /probe: Read-only file system\n");
    expect((await box.sh("mkdir /home/x")).stderr).toBe(
      "mkdir: can't create directory '/home/x': Read-only file system\n",
    );
    expect((await box.sh("ls /root")).stderr).toBe("ls: can't open '/root': Permission denied\n");
    expect((await box.sh("cat /root")).stderr).toBe("cat: can't open '/root': Is a directory\n");
    await box.sh("echo mine > /tmp/mine", { user: "0:0" });
    expect((await box.sh("rm /tmp/mine")).stderr).toBe("rm: can't remove '/tmp/mine': Operation not permitted\n");
    expect((await box.sh("echo x >> /tmp/mine")).stderr).toBe("sh: can't create /tmp/mine: Permission denied\n");
    const writable = createHarness({ readOnly: false });
    expect((await writable.sh("touch /probe")).stderr).toBe("touch: /probe: Permission denied\n");
    expect((await writable.sh("touch /probe && ls /probe", { user: "0:0" })).stdout).toBe("/probe\n");
  });

  it("chmod, stat -c, tee, mktemp, and test's file operators", async () => {
    const box = createHarness();
    const script = [
      "echo '#!/bin/sh' > /tmp/run; echo 'echo ran' >> /tmp/run; /tmp/run; chmod u+x /tmp/run; /tmp/run",
      "stat -c '%a %u:%g %U %s %F' /tmp/run /tmp",
      "echo t | tee /tmp/t >/dev/null; cat /tmp/t",
      "f=$(mktemp); stat -c %a $f; [ -f $f ] && [ -w $f ] && [ ! -x $f ] && [ -d /tmp ] && [ -e /dev/null ] && echo tests",
    ].join("\n");
    const result = await box.sh(script);
    expect(result.stdout).toBe(
      "ran\n744 1000:1000 openagent 19 regular file\n1777 0:0 root 4096 directory\nt\n600\ntests\n",
    );
    expect(result.stderr).toBe("sh: /tmp/run: Permission denied\n");
  });
});

describe("process commands", () => {
  it("id, whoami, env, pwd report the process's identity and environment", async () => {
    const box = createHarness();
    expect((await box.sh("id; id -u; id -gn; whoami; pwd")).stdout).toBe(
      "uid=1000(openagent) gid=1000(openagent) groups=1000(openagent)\n1000\nopenagent\nopenagent\n/\n",
    );
    expect((await box.sh("id -u; id -un", { user: "4321:4321" })).stdout).toBe("4321\n4321\n");
    expect((await box.sh("env -i A=1 env; env -u HOME env | grep -c HOME", { env: { X: "1" } })).stdout).toBe(
      "A=1\n0\n",
    );
  });

  it("sleep waits on the runtime's clock, and nothing else moves it", async () => {
    const clock = manualClock();
    const box = createHarness({ clock });
    const sleeping = box.start(["sh", "-c", "sleep 1.5; echo woke"]);
    await clock.advance(1_499);
    expect(sleeping.proc.done).toBe(false);
    await clock.advance(1);
    expect(await sleeping.proc.exited).toBe(0);
    expect(sleeping.output.stdout).toBe("woke\n");
    expect((await createHarness().sh("sleep x")).stderr).toBe("sleep: invalid number 'x'\n");
  });

  it("kill sends signals to the processes the user may signal; setsid runs its command", async () => {
    const box = createHarness();
    const target = box.start(["sh", "-c", "trap 'echo usr1' USR1; while :; do sleep 0.05; done"]);
    await box.until(() => box.machine.size >= 2);
    expect((await box.sh(`kill -USR1 ${target.proc.pid}`)).status).toBe(0);
    // The trap runs once the sleep in the loop ends; then TERM, which the script does not handle, ends it.
    await box.until(() => target.output.stdout !== "");
    expect((await box.sh(`kill ${target.proc.pid}`)).status).toBe(0);
    expect(await target.proc.exited).toBe(143);
    expect(target.output.stdout).toBe("usr1\n");
    const root = box.start(["sleep", "60"], { user: "0:0" });
    expect((await box.sh(`kill ${root.proc.pid}`)).stderr).toBe(
      `kill: can't kill pid ${root.proc.pid}: Operation not permitted\n`,
    );
    expect((await box.sh("kill 9999")).stderr).toBe("kill: can't kill pid 9999: No such process\n");
    root.proc.deliver("KILL");
    expect((await box.sh("setsid echo in-session")).stdout).toBe("in-session\n");
  });

  it("list the container's processes in /proc, each with its environment, and only its own user's", async () => {
    const box = createHarness();
    const background = box.start(["sleep", "60"], { env: { MARK: "m-1" } });
    const script =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
      'for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f" 2>/dev/null | grep -qx MARK=m-1 && echo "${f%/environ}"; done';
    expect((await box.sh(script)).stdout).toBe(`/proc/${background.proc.pid}\n`);
    background.proc.deliver("KILL");
    await background.proc.exited;
    expect((await box.sh(script)).stdout).toBe("");
    expect((await box.sh("grep -E '^(Uid|NoNewPrivs|CapBnd):' /proc/self/status")).stdout).toBe(
      "Uid:\t1000\t1000\t1000\t1000\nNoNewPrivs:\t1\nCapBnd:\t0000000000000000\n",
    );
  });
});
