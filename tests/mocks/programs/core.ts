/**
 * The mock's everyday commands: `echo`, `printf`, `true`, `false`, `pwd`,
 * `env`, `id`, `whoami`, `sleep`, `kill`, `setsid`, `nohup`, `seq`, `yes`,
 * `date`, `uname`, `hostname`, `basename`, `dirname`. They behave like their
 * busybox counterparts for the options listed in docs/MOCK_DRIVERS.md.
 *
 * @module
 */
import { SIGNALS, signalName } from "../machine/process.js";
import type { Program, ProgramContext } from "../shell/program.js";
import { OutputBuffer } from "./io.js";

/** `\n`, `\t`, `\\`, `\0NNN` and friends, as `echo -e` and `printf` read them; `\c` stops the output. */
function interpretEscapes(text: string): { text: string; stop: boolean } {
  let result = "";
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string;
    if (char !== "\\" || index + 1 >= text.length) {
      result += char;
      continue;
    }
    const next = text[++index] as string;
    const simple: Record<string, string> = {
      n: "\n",
      t: "\t",
      r: "\r",
      a: "\u0007",
      b: "\b",
      f: "\f",
      v: "\v",
      e: "\u001b",
      "\\": "\\",
    };
    if (next === "c") return { text: result, stop: true };
    if (simple[next] !== undefined) result += simple[next];
    else if (/[0-7]/.test(next)) {
      const digits = /^0?[0-7]{0,3}/.exec(text.slice(index))?.[0] ?? "0";
      result += String.fromCharCode(Number.parseInt(digits || "0", 8) & 0xff);
      index += Math.max(0, digits.length - 1);
    } else result += `\\${next}`;
  }
  return { text: result, stop: false };
}

const echo: Program = (context) => {
  let args = context.argv.slice(1);
  let newline = true;
  let escapes = false;
  while (args[0] !== undefined && /^-[neE]+$/.test(args[0])) {
    for (const flag of args[0].slice(1)) {
      if (flag === "n") newline = false;
      else escapes = flag === "e";
    }
    args = args.slice(1);
  }
  let text = args.join(" ");
  if (escapes) {
    const result = interpretEscapes(text);
    text = result.text;
    if (result.stop) newline = false;
  }
  return context.write(newline ? `${text}\n` : text).then(() => 0);
};

/** `printf FORMAT [ARG]...`: `%s %b %c %d %i %u %x %X %o %%`, with widths; the format repeats for extra arguments. */
const printf: Program = async (context) => {
  const [format = "", ...args] = context.argv.slice(1);
  let output = "";
  let next = 0;
  let status = 0;
  do {
    const { text } = interpretEscapes(format);
    output += text.replace(
      /%([-0 +#]*)(\d*)(?:\.(\d+))?([sbcdiuxXo%])/g,
      (_, flags: string, width: string, precision, kind: string) => {
        if (kind === "%") return "%";
        const arg = args[next++] ?? "";
        let value: string;
        if (kind === "s") value = precision === undefined ? arg : arg.slice(0, Number(precision));
        else if (kind === "b") value = interpretEscapes(arg).text;
        else if (kind === "c") value = arg.slice(0, 1);
        else {
          const number = arg === "" ? 0 : Number.parseInt(arg, /^0x/i.test(arg) ? 16 : 10);
          if (Number.isNaN(number)) status = 1;
          const integer = Number.isNaN(number) ? 0 : number;
          value =
            kind === "x"
              ? integer.toString(16)
              : kind === "X"
                ? integer.toString(16).toUpperCase()
                : kind === "o"
                  ? integer.toString(8)
                  : String(integer);
        }
        const pad = flags.includes("0") && kind !== "s" ? "0" : " ";
        return flags.includes("-") ? value.padEnd(Number(width || 0)) : value.padStart(Number(width || 0), pad);
      },
    );
  } while (next > 0 && next < args.length);
  await context.write(output);
  return status;
};

const env: Program = async (context) => {
  let args = context.argv.slice(1);
  let environment: Record<string, string> = { ...context.env };
  while (args[0] !== undefined) {
    const arg = args[0];
    if (arg === "-i" || arg === "-") environment = {};
    else if (arg === "-u" && args[1] !== undefined) {
      delete environment[args[1]];
      args = args.slice(1);
    } else if (/^[^=]+=/.test(arg)) {
      const equals = arg.indexOf("=");
      environment[arg.slice(0, equals)] = arg.slice(equals + 1);
    } else break;
    args = args.slice(1);
  }
  if (args.length > 0) return context.exec(args, environment);
  await context.write(
    Object.entries(environment)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(""),
  );
  return 0;
};

const id: Program = async (context) => {
  const { cred } = context.process;
  const flags = context.argv.slice(1).join("").replace(/-/g, "");
  const user = cred.name ?? String(cred.uid);
  const group = cred.group ?? String(cred.gid);
  if (flags.includes("u") || flags.includes("g") || flags.includes("G")) {
    const byName = flags.includes("n");
    const value = flags.includes("u") ? (byName ? user : String(cred.uid)) : byName ? group : String(cred.gid);
    await context.write(`${value}\n`);
    return 0;
  }
  const named = (number: number, name: string | undefined) =>
    name === undefined ? String(number) : `${number}(${name})`;
  await context.write(
    `uid=${named(cred.uid, cred.name)} gid=${named(cred.gid, cred.group)} groups=${named(cred.gid, cred.group)}\n`,
  );
  return 0;
};

const SLEEP_UNITS: Readonly<Record<string, number>> = { "": 1, s: 1, m: 60, h: 3_600, d: 86_400 };

const sleep: Program = async (context) => {
  let total = 0;
  for (const arg of context.argv.slice(1)) {
    const match = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
    if (match === null) {
      await context.error(`invalid number '${arg}'`);
      return 1;
    }
    total += Number(match[1]) * (SLEEP_UNITS[match[2] ?? ""] ?? 1);
  }
  if (context.argv.length < 2) {
    await context.error("missing operand");
    return 1;
  }
  await context.sleep(total * 1_000);
  return 0;
};

const kill: Program = async (context) => {
  let args = context.argv.slice(1);
  let signal = signalName("TERM");
  if (args[0] === "-l") {
    await context.write(`${Object.keys(SIGNALS).join(" ")}\n`);
    return 0;
  }
  if (args[0] === "-s" && args[1] !== undefined) {
    signal = signalName(args[1]);
    args = args.slice(2);
  } else if (args[0] !== undefined && /^-\w+$/.test(args[0])) {
    signal = signalName(args[0].slice(1));
    args = args.slice(1);
  }
  if (signal === undefined) {
    await context.error(`bad signal name '${context.argv[1] ?? ""}'`);
    return 1;
  }
  let status = 0;
  for (const arg of args) {
    const target = /^\d+$/.test(arg) ? context.machine.process(Number(arg)) : undefined;
    const { cred } = context.process;
    if (target === undefined) {
      await context.error(`can't kill pid ${arg}: No such process`);
      status = 1;
    } else if (cred.uid !== 0 && cred.uid !== target.cred.uid) {
      await context.error(`can't kill pid ${arg}: Operation not permitted`);
      status = 1;
    } else target.deliver(signal);
  }
  return status;
};

/** Runs its command in this process: a session of its own changes nothing the mock models. */
const passThrough: Program = (context) => context.exec(context.argv.slice(1));

const seq: Program = async (context) => {
  const numbers = context.argv.slice(1).map(Number);
  const [first, step, last] =
    numbers.length === 1
      ? [1, 1, numbers[0] ?? 0]
      : numbers.length === 2
        ? [numbers[0] ?? 1, 1, numbers[1] ?? 0]
        : numbers;
  if ([first, step, last].some((value) => value === undefined || Number.isNaN(value)) || step === 0) {
    await context.error("invalid arguments");
    return 1;
  }
  const out = new OutputBuffer(context);
  for (
    let value = first as number;
    (step as number) > 0 ? value <= (last as number) : value >= (last as number);
    value += step as number
  ) {
    await out.add(`${value}\n`);
  }
  await out.flush();
  return 0;
};

const yes: Program = async (context) => {
  const line = `${context.argv.slice(1).join(" ") || "y"}\n`;
  const block = line.repeat(Math.max(1, Math.floor(8_192 / line.length)));
  for (;;) await context.write(block);
};

const date: Program = async (context) => {
  const now = new Date(context.machine.now());
  const format = context.argv[1];
  const text = format === "+%s" ? String(Math.floor(now.getTime() / 1_000)) : now.toUTCString().replace("GMT", "UTC");
  await context.write(`${text}\n`);
  return 0;
};

function line(text: (context: ProgramContext) => string): Program {
  return async (context) => {
    await context.write(`${text(context)}\n`);
    return 0;
  };
}

/** The commands of this file by name. */
export const CORE_PROGRAMS: Readonly<Record<string, Program>> = {
  echo,
  printf,
  true: () => 0,
  false: () => 1,
  pwd: line((context) => context.cwd),
  env,
  id,
  whoami: line((context) => context.process.cred.name ?? String(context.process.cred.uid)),
  sleep,
  kill,
  setsid: passThrough,
  nohup: passThrough,
  seq,
  yes,
  date,
  uname: line((context) => (context.argv[1] === "-a" ? "Linux mock 5.10.0 #1 SMP x86_64 GNU/Linux" : "Linux")),
  hostname: line(() => "mock"),
  basename: line((context) => {
    const name = (context.argv[1] ?? "").replace(/\/+$/, "").split("/").pop() ?? "";
    const suffix = context.argv[2];
    return suffix !== undefined && name.endsWith(suffix) && name !== suffix
      ? name.slice(0, -suffix.length)
      : name || "/";
  }),
  dirname: line((context) => {
    const path = (context.argv[1] ?? "").replace(/\/+$/, "");
    const slash = path.lastIndexOf("/");
    return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
  }),
};
