/**
 * The mocks' shell: tokenizer, parser, expansion, control flow, redirections,
 * pipes, signals and traps, each checked by running scripts in a bare mock
 * container (tests/mocks/machine-harness.ts) on a virtual clock.
 */
import { describe, expect, it } from "vitest";
import { createHarness } from "./machine-harness.js";
import { evaluateArithmetic } from "./shell/arithmetic.js";
import { matchPattern, removeAffix } from "./shell/glob.js";
import { parseScript } from "./shell/parser.js";
import { ShellSyntaxError, tokenize } from "./shell/tokenizer.js";

describe("tokenizer", () => {
  it("keeps quoting as parts and splits operators and redirections", () => {
    const tokens = tokenize(`echo 'a b' "c $x" d\\ e >&2 2>/dev/null && f || g; h & (i) | j`);
    expect(
      tokens.map((token) => (token.kind === "word" ? token.word.raw : token.kind === "op" ? token.op : token.kind)),
    ).toEqual([
      "echo",
      "'a b'",
      '"c $x"',
      "d\\ e",
      "redirect",
      "2",
      "redirect",
      "/dev/null",
      "&&",
      "f",
      "||",
      "g",
      ";",
      "h",
      "&",
      "(",
      "i",
      ")",
      "|",
      "j",
      "eof",
    ]);
    const quoted = tokens[2];
    expect(quoted?.kind === "word" && quoted.word.parts).toEqual([
      { kind: "text", text: "c ", quoted: true },
      { kind: "param", name: "x", quoted: true },
    ]);
  });

  it("reads nested substitutions, braced parameters and arithmetic as single parts", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    const [word] = tokenize('"$(echo "$(id -u)")${p%/environ}$((i + 1))"');
    expect(word?.kind === "word" && word.word.parts.map((part) => part.kind)).toEqual(["command", "param", "arith"]);
  });

  it("refuses what it cannot read, with a syntax error", () => {
    expect(() => tokenize("echo 'open")).toThrow(ShellSyntaxError);
    expect(() => tokenize("cat <<EOF")).toThrow(/here-documents/);
    expect(() => tokenize("echo ${x")).toThrow(ShellSyntaxError);
  });
});

describe("parser", () => {
  it("builds lists, and-or lists, pipelines and compound commands", () => {
    const script = parseScript(
      "a && b | c; if x; then y; elif z; then w; else v; fi\nwhile p; do q; done & for i in 1 2; do r; done",
    );
    expect(script.items.map((item) => [item.command.first.commands[0]?.kind, item.background])).toEqual([
      ["simple", false],
      ["if", false],
      ["loop", true],
      ["for", false],
    ]);
    expect(script.items[0]?.command.rest[0]?.pipeline.commands).toHaveLength(2);
  });

  it("reports unbalanced syntax", () => {
    for (const source of ["if true; then echo", "echo )", "for 1x in a; do :; done", "&& echo"]) {
      expect(() => parseScript(source), source).toThrow(ShellSyntaxError);
    }
  });
});

describe("patterns and arithmetic", () => {
  it("match *, ?, [...] and escapes, and remove the shortest or longest affix", () => {
    expect(matchPattern("12", "[0-9]*")).toBe(true);
    expect(matchPattern("self", "[0-9]*")).toBe(false);
    expect(matchPattern("a*b", "a\\*b")).toBe(true);
    expect(matchPattern("axb", "a\\*b")).toBe(false);
    expect(removeAffix("/proc/12/environ", "/proc/", "prefix", false)).toBe("12/environ");
    expect(removeAffix("a.b.c", "*.", "prefix", true)).toBe("c");
    expect(removeAffix("a.b.c", ".*", "suffix", false)).toBe("a.b");
  });

  it("evaluate C-like integer expressions with variables and assignment", () => {
    const vars = new Map([["i", "41"]]);
    const scope = {
      get: (name: string) => vars.get(name),
      set: (name: string, value: string) => void vars.set(name, value),
    };
    expect(evaluateArithmetic("i + 1", scope)).toBe(42);
    expect(evaluateArithmetic("(2 + 3) * 4 % 7 == 6 && !0", scope)).toBe(1);
    expect(evaluateArithmetic("i += 9", scope)).toBe(50);
    expect(vars.get("i")).toBe("50");
    expect(evaluateArithmetic("7 / 2 - -1 ? 0x10 : 010", scope)).toBe(16);
    expect(() => evaluateArithmetic("1 / 0", scope)).toThrow(/division by zero/);
  });
});

describe("scripts", () => {
  it("run lists and and-or lists, with $? and exit codes", async () => {
    const box = createHarness();
    expect(await box.sh("false || echo or; true && echo and; false; echo $?; exit 7")).toEqual({
      status: 7,
      stdout: "or\nand\n1\n",
      stderr: "",
    });
    expect((await box.sh("! false")).status).toBe(0);
    expect((await box.sh("nosuchcommand")).stderr).toBe("sh: nosuchcommand: not found\n");
  });

  it("expand parameters, defaults, lengths, positional parameters and field splitting", async () => {
    const box = createHarness();
    const script =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
      'x="a  b"; echo $x; echo "$x"; echo ${y:-dflt} ${#x} $# "$1" "$@"; for w in $x; do echo "<$w>"; done';
    expect((await box.sh(script, { args: ["one", "two words"] })).stdout).toBe(
      "a b\na  b\ndflt 4 2 one one two words\n<a>\n<b>\n",
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    expect((await box.sh("echo ${missing?not set}; echo after")).stderr).toBe("sh: missing: not set\n");
  });

  it("substitute commands and arithmetic, and expand paths", async () => {
    const box = createHarness();
    const result = await box.sh(
      'touch /tmp/f-1 /tmp/f-2; echo "$(ls /tmp/f-* | wc -l)" $((6 * 7)) /tmp/f-*; echo /tmp/none-*',
    );
    expect(result.stdout).toBe("2 42 /tmp/f-1 /tmp/f-2\n/tmp/none-*\n");
  });

  it("run if, while, until, for, break and continue, subshells and groups", async () => {
    const box = createHarness();
    const script = [
      "i=0; while [ $i -lt 10 ]; do i=$((i+1)); [ $i -eq 2 ] && continue; [ $i -gt 4 ] && break; echo w$i; done",
      "until [ $i -eq 0 ]; do i=$((i-1)); done; echo u$i",
      "if [ -d /tmp ]; then echo dir; elif true; then echo no; else echo never; fi",
      "x=outer; (x=inner; echo $x); echo $x; { x=group; }; echo $x",
    ].join("\n");
    expect((await box.sh(script)).stdout).toBe("w1\nw3\nw4\nu0\ndir\ninner\nouter\ngroup\n");
  });

  it("redirect output and input, also to the other stream and to /dev/null", async () => {
    const box = createHarness();
    const script =
      "echo one > /tmp/f; echo two >> /tmp/f; cat < /tmp/f; echo err >&2; echo gone 2>/dev/null >&2; (echo both >&2) 2>&1; cat <<< here";
    expect(await box.sh(script)).toEqual({ status: 0, stdout: "one\ntwo\nboth\nhere\n", stderr: "err\n" });
    const refused = await box.sh("echo x > /etc/passwd; echo still");
    expect(refused.stderr).toBe("sh: can't create /etc/passwd: Read-only file system\n");
    expect(refused.stdout).toBe("still\n");
  });

  it("join pipeline stages with pipes that bound what they hold and end a writer whose reader left", async () => {
    const box = createHarness();
    expect((await box.sh("head -c 300000 /dev/zero | tr '\\0' a | wc -c")).stdout).toBe("300000\n");
    expect((await box.sh("yes | head -n 2")).stdout).toBe("y\ny\n");
    expect((await box.sh("seq 5 | grep -v 3 | sort -r | head -n 1")).stdout).toBe("5\n");
  });

  it("read lines, eval, export to commands, cd and pwd, set -e, exec", async () => {
    const box = createHarness();
    const script =
      'read a b; echo "[$a][$b]"; eval "echo ev"; export E=1; env | grep ^E=; cd /tmp; pwd; exec echo replaced; echo never';
    expect((await box.sh(script, { stdin: "x y z\n" })).stdout).toBe("[x][y z]\nev\nE=1\n/tmp\nreplaced\n");
    expect(await box.sh("set -e; false; echo never")).toMatchObject({ status: 1, stdout: "" });
    expect((await box.sh("set -e; false || echo handled; if false; then :; fi; echo reached")).stdout).toBe(
      "handled\nreached\n",
    );
  });

  it("run the trap of a signal between commands, also interrupting wait", async () => {
    const box = createHarness();
    expect(await box.sh('trap "echo got; exit 3" USR1; kill -USR1 $$; echo never')).toMatchObject({
      status: 3,
      stdout: "got\n",
    });
    const idle = box.start(["sh", "-c", "trap 'echo bye; exit 0' TERM; sleep 3600 & wait"]);
    // The shell, its background job and the job's sleep: the shell waits now.
    await box.until(() => box.machine.size >= 3);
    idle.proc.deliver("TERM");
    expect(await idle.proc.exited).toBe(0);
    expect(idle.output.stdout).toBe("bye\n");
    const plain = box.start(["sh", "-c", "sleep 3600"]);
    plain.proc.deliver("TERM");
    expect(await plain.proc.exited).toBe(143);
  });

  it("keep $$ of the script in subshells, and run scripts from files and from standard input", async () => {
    const box = createHarness();
    const same = await box.sh('echo $$; (echo $$); echo "$(echo $$)"');
    const [first, ...rest] = same.stdout.trim().split("\n");
    expect(rest).toEqual([first, first]);
    await box.sh("printf 'echo from-file $1\\n' > /tmp/s.sh");
    expect((await box.run(["sh", "/tmp/s.sh", "arg"])).stdout).toBe("from-file arg\n");
    expect((await box.run(["sh"], { stdin: "echo from-stdin\n" })).stdout).toBe("from-stdin\n");
    expect(await box.sh("if then")).toMatchObject({ status: 2, stderr: expect.stringMatching(/^sh: syntax error/) });
  });

  it("kills a busy loop at its deadline: a loop that never waits still lets timers run", async () => {
    const box = createHarness();
    const busy = box.start(["sh", "-c", "while :; do :; done"]);
    // This timer firing at all shows the loop lets the event loop run.
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect(busy.proc.done).toBe(false);
    busy.proc.deliver("KILL");
    expect(await busy.proc.exited).toBe(137);
  });
});
