/**
 * The shell's tokenizer: source text to words (with their quoting and
 * expansions kept as parts), operators and redirections. Reserved words
 * (`if`, `do`, `{`, ...) are words here; the parser recognises them where a
 * command starts.
 *
 * @module
 */
import type { RedirectOp, Word, WordPart } from "./ast.js";

/** A script the shell cannot parse; `sh` reports it and exits 2. */
export class ShellSyntaxError extends Error {
  override name = "ShellSyntaxError";
}

/** The control operators of the language. */
export type Operator = "&&" | "||" | ";;" | ";" | "&" | "|" | "(" | ")" | "\n";

/** One token. */
export type Token =
  | { readonly kind: "word"; readonly word: Word }
  | { readonly kind: "op"; readonly op: Operator }
  | { readonly kind: "redirect"; readonly fd: number | undefined; readonly op: RedirectOp }
  | { readonly kind: "eof" };

const OPERATORS: readonly Operator[] = ["&&", "||", ";;", ";", "&", "|", "(", ")"];
const REDIRECTS: readonly RedirectOp[] = ["<<<", ">>", "<&", ">&", "<>", ">|", "<", ">"];
const WORD_END = new Set([" ", "\t", "\n", ";", "&", "|", "(", ")", "<", ">"]);
const SPECIAL_PARAMETERS = new Set(["@", "*", "#", "?", "$", "!", "-", "0"]);
const BRACED_OPERATORS = [":-", ":=", ":+", ":?", "##", "%%", "-", "=", "+", "?", "#", "%"];
const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

/** Collects the parts of one word, merging neighbouring text of the same quoting. */
class PartsBuilder {
  readonly parts: WordPart[] = [];

  text(text: string, quoted: boolean): void {
    const last = this.parts.at(-1);
    if (last?.kind === "text" && last.quoted === quoted)
      this.parts[this.parts.length - 1] = { ...last, text: last.text + text };
    else this.parts.push({ kind: "text", text, quoted });
  }

  push(part: WordPart): void {
    this.parts.push(part);
  }
}

/** Where a word being read ends: at a word delimiter, at the `}` of `${...}`, or at the `))` of `$((...))`. */
type WordMode = "word" | "braced" | "arith";

/**
 * Split `source` into tokens.
 *
 * @example
 * ```ts
 * tokenize("echo hi >&2").map((t) => t.kind); // ["word", "word", "redirect", "word", "eof"]
 * ```
 */
export function tokenize(source: string): Token[] {
  return new Lexer(source).tokens();
}

class Lexer {
  readonly #source: string;
  #pos = 0;

  constructor(source: string) {
    this.#source = source;
  }

  tokens(): Token[] {
    const tokens: Token[] = [];
    for (;;) {
      this.#skipBlanks();
      const char = this.#source[this.#pos];
      if (char === undefined) {
        tokens.push({ kind: "eof" });
        return tokens;
      }
      if (char === "\n") {
        this.#pos++;
        tokens.push({ kind: "op", op: "\n" });
        continue;
      }
      const redirect = this.#redirectOp();
      if (redirect !== undefined) {
        tokens.push({ kind: "redirect", fd: undefined, op: redirect });
        continue;
      }
      const operator = OPERATORS.find((op) => this.#source.startsWith(op, this.#pos));
      if (operator !== undefined) {
        this.#pos += operator.length;
        tokens.push({ kind: "op", op: operator });
        continue;
      }
      const start = this.#pos;
      const word = this.#word("word", false);
      const raw = this.#source.slice(start, this.#pos);
      if (/^\d+$/.test(raw) && (this.#source[this.#pos] === "<" || this.#source[this.#pos] === ">")) {
        const op = this.#redirectOp() as RedirectOp;
        tokens.push({ kind: "redirect", fd: Number(raw), op });
        continue;
      }
      tokens.push({ kind: "word", word: { parts: word, raw } });
    }
  }

  #skipBlanks(): void {
    for (;;) {
      const char = this.#source[this.#pos];
      if (char === " " || char === "\t") this.#pos++;
      else if (char === "\\" && this.#source[this.#pos + 1] === "\n") this.#pos += 2;
      else if (char === "#") {
        while (this.#pos < this.#source.length && this.#source[this.#pos] !== "\n") this.#pos++;
      } else return;
    }
  }

  #redirectOp(): RedirectOp | undefined {
    if (this.#source.startsWith("<<", this.#pos) && !this.#source.startsWith("<<<", this.#pos)) {
      throw new ShellSyntaxError("here-documents (<<) are not supported by the mock shell");
    }
    const op = REDIRECTS.find((candidate) => this.#source.startsWith(candidate, this.#pos));
    if (op !== undefined) this.#pos += op.length;
    return op;
  }

  /** Read word parts until the mode's end; `quoted` marks everything read as quoted (inside `"${...}"`). */
  #word(mode: WordMode, quoted: boolean): WordPart[] {
    const parts = new PartsBuilder();
    let depth = 0;
    for (;;) {
      const char = this.#source[this.#pos];
      if (char === undefined) {
        if (mode === "word") return parts.parts;
        throw new ShellSyntaxError(mode === "braced" ? "missing '}'" : "missing '))'");
      }
      if (mode === "word" && WORD_END.has(char)) return parts.parts;
      if (mode === "braced" && char === "}") return parts.parts;
      if (mode === "arith") {
        if (char === "(") depth++;
        if (char === ")" && depth === 0 && this.#source[this.#pos + 1] === ")") return parts.parts;
        if (char === ")") depth--;
      }
      if (char === "\\") {
        const next = this.#source[this.#pos + 1];
        this.#pos += 2;
        if (next === "\n") continue;
        if (next !== undefined) parts.text(next, true);
      } else if (char === "'" && mode !== "arith") {
        const end = this.#source.indexOf("'", this.#pos + 1);
        if (end < 0) throw new ShellSyntaxError("unterminated quoted string");
        parts.text(this.#source.slice(this.#pos + 1, end), true);
        this.#pos = end + 1;
      } else if (char === '"' && mode !== "arith") {
        this.#pos++;
        this.#doubleQuoted(parts);
      } else if (char === "$") {
        this.#dollar(parts, quoted);
      } else if (char === "`") {
        parts.push({ kind: "command", source: this.#backquoted(), quoted });
      } else {
        parts.text(char, quoted);
        this.#pos++;
      }
    }
  }

  #doubleQuoted(parts: PartsBuilder): void {
    for (;;) {
      const char = this.#source[this.#pos];
      if (char === undefined) throw new ShellSyntaxError("unterminated quoted string");
      if (char === '"') {
        this.#pos++;
        return;
      }
      if (char === "\\") {
        const next = this.#source[this.#pos + 1];
        this.#pos += 2;
        if (next === "\n") continue;
        if (next === "$" || next === "`" || next === '"' || next === "\\") parts.text(next, true);
        else parts.text(`\\${next ?? ""}`, true);
      } else if (char === "$") {
        this.#dollar(parts, true);
      } else if (char === "`") {
        parts.push({ kind: "command", source: this.#backquoted(), quoted: true });
      } else {
        parts.text(char, true);
        this.#pos++;
      }
    }
  }

  #dollar(parts: PartsBuilder, quoted: boolean): void {
    const source = this.#source;
    const next = source[this.#pos + 1] ?? "";
    if (next === "{") {
      this.#pos += 2;
      parts.push(this.#braced(quoted));
    } else if (next === "(" && source[this.#pos + 2] === "(") {
      this.#pos += 3;
      const start = this.#pos;
      const expression = this.#word("arith", quoted);
      parts.push({ kind: "arith", expression: { parts: expression, raw: source.slice(start, this.#pos) }, quoted });
      this.#pos += 2;
    } else if (next === "(") {
      this.#pos += 2;
      parts.push({ kind: "command", source: this.#parenthesised(), quoted });
    } else if (NAME_START.test(next)) {
      let end = this.#pos + 1;
      while (end < source.length && NAME_CHAR.test(source[end] as string)) end++;
      parts.push({ kind: "param", name: source.slice(this.#pos + 1, end), quoted });
      this.#pos = end;
    } else if (/\d/.test(next) || SPECIAL_PARAMETERS.has(next)) {
      parts.push({ kind: "param", name: next, quoted });
      this.#pos += 2;
    } else {
      parts.text("$", quoted);
      this.#pos++;
    }
  }

  #braced(quoted: boolean): WordPart {
    const source = this.#source;
    if (source[this.#pos] === "#" && source[this.#pos + 1] !== "}") {
      this.#pos++;
      const name = this.#parameterName();
      this.#expect("}");
      return { kind: "param", name, op: "length", quoted };
    }
    const name = this.#parameterName();
    if (source[this.#pos] === "}") {
      this.#pos++;
      return { kind: "param", name, quoted };
    }
    const op = BRACED_OPERATORS.find((candidate) => source.startsWith(candidate, this.#pos));
    if (op === undefined) throw new ShellSyntaxError(`bad substitution: \${${name}${source[this.#pos] ?? ""}`);
    this.#pos += op.length;
    const start = this.#pos;
    const arg = this.#word("braced", quoted);
    const raw = source.slice(start, this.#pos);
    this.#expect("}");
    return { kind: "param", name, op, arg: { parts: arg, raw }, quoted };
  }

  #parameterName(): string {
    const source = this.#source;
    const first = source[this.#pos] ?? "";
    if (SPECIAL_PARAMETERS.has(first)) {
      this.#pos++;
      return first;
    }
    let end = this.#pos;
    const pattern = /\d/.test(first) ? /\d/ : NAME_CHAR;
    while (end < source.length && pattern.test(source[end] as string)) end++;
    if (end === this.#pos) throw new ShellSyntaxError("bad substitution");
    const name = source.slice(this.#pos, end);
    this.#pos = end;
    return name;
  }

  #expect(char: string): void {
    if (this.#source[this.#pos] !== char) throw new ShellSyntaxError(`expected '${char}'`);
    this.#pos++;
  }

  /** The source of `$( ... )`, up to its matching `)`, skipping quotes and nested parentheses. */
  #parenthesised(): string {
    const source = this.#source;
    const start = this.#pos;
    let depth = 0;
    while (this.#pos < source.length) {
      const char = source[this.#pos] as string;
      if (char === "\\") this.#pos += 2;
      else if (char === "'") this.#pos = this.#closing("'", this.#pos + 1) + 1;
      else if (char === '"') this.#pos = this.#closingDouble(this.#pos + 1) + 1;
      else if (char === "(") {
        depth++;
        this.#pos++;
      } else if (char === ")") {
        if (depth === 0) {
          this.#pos++;
          return source.slice(start, this.#pos - 1);
        }
        depth--;
        this.#pos++;
      } else this.#pos++;
    }
    throw new ShellSyntaxError("missing ')'");
  }

  #closing(quote: string, from: number): number {
    const end = this.#source.indexOf(quote, from);
    if (end < 0) throw new ShellSyntaxError("unterminated quoted string");
    return end;
  }

  #closingDouble(from: number): number {
    for (let index = from; index < this.#source.length; index++) {
      const char = this.#source[index];
      if (char === "\\") index++;
      else if (char === '"') return index;
    }
    throw new ShellSyntaxError("unterminated quoted string");
  }

  #backquoted(): string {
    const source = this.#source;
    let text = "";
    for (let index = this.#pos + 1; index < source.length; index++) {
      const char = source[index] as string;
      if (char === "\\" && ["`", "\\", "$"].includes(source[index + 1] ?? "")) {
        text += source[index + 1];
        index++;
      } else if (char === "`") {
        this.#pos = index + 1;
        return text;
      } else text += char;
    }
    throw new ShellSyntaxError("unterminated `");
  }
}
