/**
 * The shell's parser: tokens to the syntax tree of `ast.ts`, by recursive
 * descent over the POSIX grammar (the part `ast.ts` covers). Reserved words
 * are recognised only where a command starts, as the standard says.
 *
 * @module
 */
import type {
  AndOr,
  Assignment,
  Command,
  ForCommand,
  IfCommand,
  LoopCommand,
  Pipeline,
  Redirect,
  Script,
  SimpleCommand,
  Word,
} from "./ast.js";
import { type Operator, ShellSyntaxError, type Token, tokenize } from "./tokenizer.js";

const RESERVED = new Set([
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "while",
  "until",
  "for",
  "in",
  "{",
  "}",
  "!",
  "case",
  "esac",
]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * Parse `source` into a script; `ShellSyntaxError` for what the mock's shell
 * does not understand.
 *
 * @example
 * ```ts
 * parseScript("echo a && echo b").items.length; // 1
 * ```
 */
export function parseScript(source: string): Script {
  const parser = new Parser(tokenize(source));
  const script = parser.list([]);
  parser.end();
  return script;
}

/** The unquoted text of a word that is nothing but text, else `undefined`. */
function plainText(word: Word): string | undefined {
  const [part, ...rest] = word.parts;
  if (rest.length > 0 || part === undefined) return word.parts.length === 0 ? "" : undefined;
  return part.kind === "text" && !part.quoted ? part.text : undefined;
}

function describe(token: Token): string {
  if (token.kind === "eof") return "end of file";
  if (token.kind === "op") return token.op === "\n" ? "newline" : token.op;
  if (token.kind === "redirect") return token.op;
  return token.word.raw;
}

class Parser {
  readonly #tokens: readonly Token[];
  #index = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  end(): void {
    this.#skipNewlines();
    const token = this.#peek();
    if (token.kind !== "eof") throw new ShellSyntaxError(`syntax error: unexpected ${describe(token)}`);
  }

  /** A list, up to one of the reserved words `terminators` (or `)`, or the end), which it does not consume. */
  list(terminators: readonly string[]): Script {
    const items: { command: AndOr; background: boolean }[] = [];
    for (;;) {
      this.#skipNewlines();
      const token = this.#peek();
      if (token.kind === "eof" || this.#isOp(token, ")") || this.#isReserved(token, terminators)) break;
      const command = this.#andOr();
      let background = false;
      const next = this.#peek();
      if (next.kind === "op" && (next.op === ";" || next.op === "&")) {
        background = next.op === "&";
        this.#index++;
      } else if (!(next.kind === "op" && next.op === "\n") && next.kind !== "eof" && !this.#isOp(next, ")")) {
        if (!this.#isReserved(next, terminators))
          throw new ShellSyntaxError(`syntax error: unexpected ${describe(next)}`);
      }
      items.push({ command, background });
    }
    return { kind: "script", items };
  }

  #andOr(): AndOr {
    const first = this.#pipeline();
    const rest: { op: "&&" | "||"; pipeline: Pipeline }[] = [];
    for (;;) {
      const token = this.#peek();
      if (token.kind !== "op" || (token.op !== "&&" && token.op !== "||")) break;
      this.#index++;
      this.#skipNewlines();
      rest.push({ op: token.op, pipeline: this.#pipeline() });
    }
    return { kind: "andor", first, rest };
  }

  #pipeline(): Pipeline {
    let negate = false;
    if (this.#isReserved(this.#peek(), ["!"])) {
      negate = true;
      this.#index++;
    }
    const commands = [this.#command()];
    while (this.#isOp(this.#peek(), "|")) {
      this.#index++;
      this.#skipNewlines();
      commands.push(this.#command());
    }
    return { kind: "pipeline", negate, commands };
  }

  #command(): Command {
    const token = this.#peek();
    if (this.#isOp(token, "(")) {
      this.#index++;
      const body = this.list([]);
      this.#expectOp(")");
      return { kind: "subshell", body, redirects: this.#redirects() };
    }
    if (token.kind === "word") {
      switch (plainText(token.word)) {
        case "{": {
          this.#index++;
          const body = this.list(["}"]);
          this.#expectWord("}");
          return { kind: "group", body, redirects: this.#redirects() };
        }
        case "if":
          return this.#if();
        case "while":
        case "until":
          return this.#loop();
        case "for":
          return this.#for();
      }
      if (this.#isReserved(token, [...RESERVED]))
        throw new ShellSyntaxError(`syntax error: unexpected ${token.word.raw}`);
    }
    return this.#simple();
  }

  #if(): IfCommand {
    this.#index++;
    const branches: { condition: Script; body: Script }[] = [];
    let otherwise: Script | undefined;
    for (;;) {
      const condition = this.list(["then"]);
      this.#expectWord("then");
      const body = this.list(["elif", "else", "fi"]);
      branches.push({ condition, body });
      const word = this.#takeWord(["elif", "else", "fi"]);
      if (word === "elif") continue;
      if (word === "else") {
        otherwise = this.list(["fi"]);
        this.#expectWord("fi");
      }
      return { kind: "if", branches, otherwise, redirects: this.#redirects() };
    }
  }

  #loop(): LoopCommand {
    const until = this.#takeWord(["while", "until"]) === "until";
    const condition = this.list(["do"]);
    this.#expectWord("do");
    const body = this.list(["done"]);
    this.#expectWord("done");
    return { kind: "loop", until, condition, body, redirects: this.#redirects() };
  }

  #for(): ForCommand {
    this.#index++;
    const nameToken = this.#peek();
    const name = nameToken.kind === "word" ? plainText(nameToken.word) : undefined;
    if (name === undefined || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new ShellSyntaxError("syntax error: bad for loop variable");
    this.#index++;
    this.#skipNewlines();
    let items: Word[] | undefined;
    if (this.#isReserved(this.#peek(), ["in"])) {
      this.#index++;
      items = [];
      for (let token = this.#peek(); token.kind === "word"; token = this.#peek()) {
        items.push(token.word);
        this.#index++;
      }
    }
    const separator = this.#peek();
    if (separator.kind === "op" && (separator.op === ";" || separator.op === "\n")) this.#index++;
    this.#skipNewlines();
    this.#expectWord("do");
    const body = this.list(["done"]);
    this.#expectWord("done");
    return { kind: "for", name, items, body, redirects: this.#redirects() };
  }

  #simple(): SimpleCommand {
    const assignments: Assignment[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const token = this.#peek();
      if (token.kind === "redirect") {
        redirects.push(this.#redirect());
      } else if (token.kind === "word") {
        this.#index++;
        if (words.length === 0 && ASSIGNMENT.test(token.word.raw)) assignments.push(splitAssignment(token.word));
        else words.push(token.word);
      } else break;
    }
    if (assignments.length === 0 && words.length === 0 && redirects.length === 0) {
      throw new ShellSyntaxError(`syntax error: unexpected ${describe(this.#peek())}`);
    }
    return { kind: "simple", assignments, words, redirects };
  }

  #redirects(): Redirect[] {
    const redirects: Redirect[] = [];
    while (this.#peek().kind === "redirect") redirects.push(this.#redirect());
    return redirects;
  }

  #redirect(): Redirect {
    const token = this.#tokens[this.#index++] as Extract<Token, { kind: "redirect" }>;
    const target = this.#peek();
    if (target.kind !== "word") throw new ShellSyntaxError(`syntax error: unexpected ${describe(target)}`);
    this.#index++;
    const fd = token.fd ?? (token.op.startsWith("<") ? 0 : 1);
    return { fd, op: token.op, target: target.word };
  }

  #peek(): Token {
    return this.#tokens[this.#index] ?? { kind: "eof" };
  }

  #skipNewlines(): void {
    while (this.#isOp(this.#peek(), "\n")) this.#index++;
  }

  #isOp(token: Token, op: Operator): boolean {
    return token.kind === "op" && token.op === op;
  }

  #isReserved(token: Token, words: readonly string[]): boolean {
    return token.kind === "word" && words.includes(plainText(token.word) ?? "\u0000");
  }

  #expectOp(op: Operator): void {
    const token = this.#peek();
    if (!this.#isOp(token, op))
      throw new ShellSyntaxError(`syntax error: unexpected ${describe(token)} (expecting "${op}")`);
    this.#index++;
  }

  #expectWord(word: string): void {
    this.#takeWord([word]);
  }

  #takeWord(words: readonly string[]): string {
    this.#skipNewlines();
    const token = this.#peek();
    const text = token.kind === "word" ? plainText(token.word) : undefined;
    if (text === undefined || !words.includes(text)) {
      throw new ShellSyntaxError(`syntax error: unexpected ${describe(token)} (expecting "${words.join('" or "')}")`);
    }
    this.#index++;
    return text;
  }
}

/** `name=value` as an assignment: the name from the word's leading text, the value from the rest. */
function splitAssignment(word: Word): Assignment {
  const [first, ...rest] = word.parts;
  if (first?.kind !== "text" || first.quoted) throw new ShellSyntaxError(`bad assignment ${word.raw}`);
  const equals = first.text.indexOf("=");
  const name = first.text.slice(0, equals);
  const remainder = first.text.slice(equals + 1);
  const parts = remainder === "" ? rest : [{ ...first, text: remainder }, ...rest];
  return { name, value: { parts, raw: word.raw.slice(equals + 1) } };
}
