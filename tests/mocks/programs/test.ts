/**
 * `test` and `[`: string, integer and file tests, `!`, `-a`, `-o` and
 * parentheses, by the POSIX precedence (`!` binds tighter than `-a`, which
 * binds tighter than `-o`).
 *
 * @module
 */
import type { FileStat } from "../fs/special.js";
import type { Program, ProgramContext } from "../shell/program.js";

class TestSyntaxError extends Error {}

const INTEGER_OPERATORS = new Set(["-eq", "-ne", "-lt", "-le", "-gt", "-ge"]);
const STRING_OPERATORS = new Set(["=", "==", "!=", "<", ">"]);
const FILE_OPERATORS = new Set(["-e", "-f", "-d", "-r", "-w", "-x", "-s", "-c", "-h", "-L", "-p", "-S", "-b", "-t"]);

function integer(text: string): number {
  const trimmed = text.trim();
  if (!/^[-+]?\d+$/.test(trimmed)) throw new TestSyntaxError(`invalid number '${text}'`);
  return Number(trimmed);
}

function allowed(stat: FileStat, context: ProgramContext, bit: number): boolean {
  const { cred } = context.process;
  if (cred.override) return bit !== 1 || stat.kind === "dir" || (stat.mode & 0o111) !== 0;
  const bits = cred.uid === stat.uid ? stat.mode >> 6 : cred.gid === stat.gid ? stat.mode >> 3 : stat.mode;
  return (bits & bit) !== 0;
}

function fileTest(operator: string, path: string, context: ProgramContext): boolean {
  let stat: FileStat;
  try {
    stat = context.fs.stat(path, context.access, context.cwd);
  } catch {
    return false;
  }
  switch (operator) {
    case "-e":
      return true;
    case "-f":
      return stat.kind === "file";
    case "-d":
      return stat.kind === "dir";
    case "-c":
      return stat.kind === "device";
    case "-s":
      return stat.size > 0;
    case "-r":
      return allowed(stat, context, 4);
    case "-w":
      return allowed(stat, context, 2);
    case "-x":
      return allowed(stat, context, 1);
    default:
      return false;
  }
}

function binary(left: string, operator: string, right: string): boolean {
  switch (operator) {
    case "=":
    case "==":
      return left === right;
    case "!=":
      return left !== right;
    case "<":
      return left < right;
    case ">":
      return left > right;
  }
  const a = integer(left);
  const b = integer(right);
  switch (operator) {
    case "-eq":
      return a === b;
    case "-ne":
      return a !== b;
    case "-lt":
      return a < b;
    case "-le":
      return a <= b;
    case "-gt":
      return a > b;
    default:
      return a >= b;
  }
}

class Evaluator {
  readonly #args: readonly string[];
  readonly #context: ProgramContext;
  #index = 0;

  constructor(args: readonly string[], context: ProgramContext) {
    this.#args = args;
    this.#context = context;
  }

  evaluate(): boolean {
    if (this.#args.length === 0) return false;
    const result = this.#or();
    if (this.#index < this.#args.length) throw new TestSyntaxError(`unexpected '${this.#args[this.#index]}'`);
    return result;
  }

  #or(): boolean {
    let result = this.#and();
    while (this.#args[this.#index] === "-o") {
      this.#index++;
      result = this.#and() || result;
    }
    return result;
  }

  #and(): boolean {
    let result = this.#not();
    while (this.#args[this.#index] === "-a") {
      this.#index++;
      result = this.#not() && result;
    }
    return result;
  }

  #not(): boolean {
    if (this.#args[this.#index] === "!" && this.#index + 1 < this.#args.length) {
      this.#index++;
      return !this.#not();
    }
    return this.#primary();
  }

  #primary(): boolean {
    const args = this.#args;
    const first = args[this.#index];
    if (first === undefined) throw new TestSyntaxError("argument expected");
    const operator = args[this.#index + 1];
    if (
      operator !== undefined &&
      (STRING_OPERATORS.has(operator) || INTEGER_OPERATORS.has(operator)) &&
      this.#index + 2 < args.length
    ) {
      this.#index += 3;
      return binary(first, operator, args[this.#index - 1] as string);
    }
    if (first === "(") {
      this.#index++;
      const inner = this.#or();
      if (args[this.#index] !== ")") throw new TestSyntaxError("')' expected");
      this.#index++;
      return inner;
    }
    if ((first === "-z" || first === "-n") && operator !== undefined) {
      this.#index += 2;
      return first === "-z" ? operator === "" : operator !== "";
    }
    if (FILE_OPERATORS.has(first) && operator !== undefined) {
      this.#index += 2;
      return fileTest(first, operator, this.#context);
    }
    this.#index++;
    return first !== "";
  }
}

const test: Program = async (context) => {
  let args = context.argv.slice(1);
  if (context.argv[0] === "[") {
    if (args.at(-1) !== "]") {
      await context.error("missing ]");
      return 2;
    }
    args = args.slice(0, -1);
  }
  try {
    return new Evaluator(args, context).evaluate() ? 0 : 1;
  } catch (error) {
    if (!(error instanceof TestSyntaxError)) throw error;
    await context.error(error.message);
    return 2;
  }
};

/** `test` and `[`. */
export const TEST_PROGRAMS: Readonly<Record<string, Program>> = { test, "[": test };
