/**
 * Shell arithmetic, `$(( ... ))`: integers, variables by bare name, the C
 * operators the POSIX shell has (unary `+ - ! ~`, `* / %`, `+ -`, `<< >>`,
 * comparisons, `& ^ |`, `&& ||`, `?:`, `=` and `op=`), and parentheses.
 *
 * @module
 */

/** An arithmetic expression the shell cannot evaluate (syntax, division by zero). */
export class ArithmeticError extends Error {
  override name = "ArithmeticError";
}

/** What an expression reads and writes its variables through. */
export type ArithmeticScope = {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
};

type Node =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "name"; readonly name: string }
  | { readonly kind: "unary"; readonly op: string; readonly operand: Node }
  | { readonly kind: "binary"; readonly op: string; readonly left: Node; readonly right: Node }
  | { readonly kind: "ternary"; readonly test: Node; readonly then: Node; readonly otherwise: Node }
  | { readonly kind: "assign"; readonly op: string; readonly name: string; readonly value: Node };

const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  "||": 1,
  "&&": 2,
  "|": 3,
  "^": 4,
  "&": 5,
  "==": 6,
  "!=": 6,
  "<": 7,
  ">": 7,
  "<=": 7,
  ">=": 7,
  "<<": 8,
  ">>": 8,
  "+": 9,
  "-": 9,
  "*": 10,
  "/": 10,
  "%": 10,
};
const ASSIGNMENTS = ["<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", "="];
const TOKEN =
  /\s*(0[xX][0-9a-fA-F]+|\d+|[A-Za-z_][A-Za-z0-9_]*|<<=|>>=|\|\||&&|==|!=|<=|>=|<<|>>|[+\-*/%&^|]=|[-+*/%()<>!~&^|?:=])/y;

function lex(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  for (;;) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) return tokens;
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (match === null) throw new ArithmeticError(`arithmetic syntax error: ${source.slice(start).trim()}`);
    tokens.push(match[1] as string);
  }
}

class ArithmeticParser {
  readonly #tokens: string[];
  #index = 0;

  constructor(tokens: string[]) {
    this.#tokens = tokens;
  }

  parse(): Node {
    const node = this.#expression();
    if (this.#index < this.#tokens.length)
      throw new ArithmeticError(`arithmetic syntax error: ${this.#tokens[this.#index]}`);
    return node;
  }

  #expression(): Node {
    const name = this.#tokens[this.#index] ?? "";
    const op = this.#tokens[this.#index + 1] ?? "";
    if (/^[A-Za-z_]/.test(name) && ASSIGNMENTS.includes(op)) {
      this.#index += 2;
      return { kind: "assign", op, name, value: this.#expression() };
    }
    const test = this.#binary(1);
    if (this.#tokens[this.#index] !== "?") return test;
    this.#index++;
    const then = this.#expression();
    if (this.#tokens[this.#index++] !== ":") throw new ArithmeticError("arithmetic syntax error: expected ':'");
    return { kind: "ternary", test, then, otherwise: this.#expression() };
  }

  #binary(minimum: number): Node {
    let left = this.#unary();
    for (;;) {
      const op = this.#tokens[this.#index] ?? "";
      const precedence = BINARY_PRECEDENCE[op];
      if (precedence === undefined || precedence < minimum) return left;
      this.#index++;
      left = { kind: "binary", op, left, right: this.#binary(precedence + 1) };
    }
  }

  #unary(): Node {
    const token = this.#tokens[this.#index++];
    if (token === undefined) throw new ArithmeticError("arithmetic syntax error: missing operand");
    if (token === "(") {
      const inner = this.#expression();
      if (this.#tokens[this.#index++] !== ")") throw new ArithmeticError("arithmetic syntax error: missing ')'");
      return inner;
    }
    if (["+", "-", "!", "~"].includes(token)) return { kind: "unary", op: token, operand: this.#unary() };
    if (/^\d/.test(token)) return { kind: "number", value: parseNumber(token) };
    if (/^[A-Za-z_]/.test(token)) return { kind: "name", name: token };
    throw new ArithmeticError(`arithmetic syntax error: ${token}`);
  }
}

function parseNumber(text: string): number {
  if (/^0[xX]/.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^0\d/.test(text)) return Number.parseInt(text, 8);
  return Number.parseInt(text, 10);
}

function variable(scope: ArithmeticScope, name: string): number {
  const value = (scope.get(name) ?? "").trim();
  if (value === "") return 0;
  if (!/^-?(0[xX][0-9a-fA-F]+|\d+)$/.test(value))
    throw new ArithmeticError(`arithmetic syntax error: ${name}=${value}`);
  return value.startsWith("-") ? -parseNumber(value.slice(1)) : parseNumber(value);
}

function apply(op: string, left: number, right: number): number {
  switch (op) {
    case "+":
      return left + right;
    case "-":
      return left - right;
    case "*":
      return left * right;
    case "/":
    case "%":
      if (right === 0) throw new ArithmeticError("arithmetic error: division by zero");
      return op === "/" ? Math.trunc(left / right) : left % right;
    case "<<":
      return left * 2 ** right;
    case ">>":
      return Math.floor(left / 2 ** right);
    case "<":
      return Number(left < right);
    case ">":
      return Number(left > right);
    case "<=":
      return Number(left <= right);
    case ">=":
      return Number(left >= right);
    case "==":
      return Number(left === right);
    case "!=":
      return Number(left !== right);
    case "&":
      return left & right;
    case "^":
      return left ^ right;
    case "|":
      return left | right;
    default:
      throw new ArithmeticError(`arithmetic syntax error: ${op}`);
  }
}

function evaluateNode(node: Node, scope: ArithmeticScope): number {
  switch (node.kind) {
    case "number":
      return node.value;
    case "name":
      return variable(scope, node.name);
    case "unary": {
      const value = evaluateNode(node.operand, scope);
      return node.op === "-" ? -value : node.op === "!" ? Number(value === 0) : node.op === "~" ? ~value : value;
    }
    case "binary": {
      const left = evaluateNode(node.left, scope);
      if (node.op === "&&") return left === 0 ? 0 : Number(evaluateNode(node.right, scope) !== 0);
      if (node.op === "||") return left !== 0 ? 1 : Number(evaluateNode(node.right, scope) !== 0);
      return apply(node.op, left, evaluateNode(node.right, scope));
    }
    case "ternary":
      return evaluateNode(evaluateNode(node.test, scope) !== 0 ? node.then : node.otherwise, scope);
    case "assign": {
      const right = evaluateNode(node.value, scope);
      const value = node.op === "=" ? right : apply(node.op.slice(0, -1), variable(scope, node.name), right);
      scope.set(node.name, String(value));
      return value;
    }
  }
}

/**
 * The value of `expression` (already expanded: `$x` replaced), reading and
 * assigning variables through `scope`.
 *
 * @example
 * ```ts
 * evaluateArithmetic("i + 1", { get: () => "41", set: () => undefined }); // 42
 * ```
 */
export function evaluateArithmetic(expression: string, scope: ArithmeticScope): number {
  const tokens = lex(expression);
  if (tokens.length === 0) return 0;
  return evaluateNode(new ArithmeticParser(tokens).parse(), scope);
}
