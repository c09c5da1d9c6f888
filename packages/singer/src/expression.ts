/**
 * The stream-map expression language: a small, Python-flavoured subset parsed by hand into a tree
 * (tokens: expression-tokens.ts) and evaluated by walking it (expression-eval.ts; built-in
 * functions and methods: expression-functions.ts). Nothing is ever handed to `eval` or
 * `Function`, names resolve only to record properties, `record`/`_`, `config`, `self`,
 * `__stream_name__` and the built-in functions, and methods only to a fixed list: an expression
 * cannot reach the process, the file system or JavaScript prototypes.
 * Syntax and the differences from the Meltano SDK's (simpleeval): README "Stream maps".
 */

import { ExpressionSyntaxError, type Token, tokenize } from "./expression-tokens.js";

export type BinaryOperator =
  | "+"
  | "-"
  | "*"
  | "/"
  | "//"
  | "%"
  | "=="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "in"
  | "not in";

/** A parsed expression. `at` is the 1-based column where the node starts (for errors). */
export type Expr =
  | {
      readonly kind: "literal";
      readonly value: string | number | boolean | null;
      readonly at: number;
    }
  | { readonly kind: "list"; readonly items: readonly Expr[]; readonly at: number }
  | { readonly kind: "name"; readonly name: string; readonly at: number }
  | { readonly kind: "member"; readonly object: Expr; readonly name: string; readonly at: number }
  | { readonly kind: "index"; readonly object: Expr; readonly index: Expr; readonly at: number }
  | {
      readonly kind: "call";
      readonly callee: Expr;
      readonly args: readonly Expr[];
      readonly at: number;
    }
  | {
      readonly kind: "unary";
      readonly op: "-" | "+" | "not";
      readonly operand: Expr;
      readonly at: number;
    }
  | {
      readonly kind: "binary";
      readonly op: BinaryOperator;
      readonly left: Expr;
      readonly right: Expr;
      readonly at: number;
    }
  | {
      readonly kind: "logical";
      readonly op: "and" | "or";
      readonly left: Expr;
      readonly right: Expr;
      readonly at: number;
    }
  | {
      readonly kind: "conditional";
      readonly test: Expr;
      readonly then: Expr;
      readonly otherwise: Expr;
      readonly at: number;
    };

const KEYWORDS = new Set(["and", "or", "not", "in", "if", "else"]);
const CONSTANTS: Record<string, boolean | null> = {
  True: true,
  False: false,
  None: null,
  true: true,
  false: false,
  null: null,
};
/** Parses an expression; throws ExpressionSyntaxError naming the column of the problem. */
export function parseExpression(text: string): Expr {
  const parser = new Parser(tokenize(text));
  if (parser.peek().type === "end") throw new ExpressionSyntaxError("empty expression", 1);
  const expr = parser.conditional();
  const rest = parser.peek();
  if (rest.type !== "end") throw new ExpressionSyntaxError(`unexpected ${describe(rest)}`, rest.at);
  return expr;
}

function describe(token: Token): string {
  if (token.type === "end") return "end of expression";
  if (token.type === "string") return `string ${JSON.stringify(token.value)}`;
  return `"${token.value}"`;
}

const COMPARISONS = new Set(["==", "!=", "<", "<=", ">", ">="]);

/** Recursive descent, one method per precedence level (Python's order). */
class Parser {
  readonly #tokens: Token[];
  #at = 0;

  constructor(tokens: Token[]) {
    this.#tokens = tokens;
  }

  peek(offset = 0): Token {
    // The token list always ends with an "end" token, and we never read past it.
    return this.#tokens[Math.min(this.#at + offset, this.#tokens.length - 1)] as Token;
  }

  #next(): Token {
    const token = this.peek();
    if (token.type !== "end") this.#at += 1;
    return token;
  }

  #isWord(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === "name" && token.value === word;
  }

  #isOp(op: string): boolean {
    const token = this.peek();
    return token.type === "op" && token.value === op;
  }

  #expectOp(op: string): void {
    const token = this.#next();
    if (token.type !== "op" || token.value !== op)
      throw new ExpressionSyntaxError(`expected "${op}", found ${describe(token)}`, token.at);
  }

  conditional(): Expr {
    const then = this.#or();
    if (!this.#isWord("if")) return then;
    this.#next();
    const test = this.#or();
    if (!this.#isWord("else")) {
      const token = this.peek();
      throw new ExpressionSyntaxError(`expected "else", found ${describe(token)}`, token.at);
    }
    this.#next();
    return { kind: "conditional", test, then, otherwise: this.conditional(), at: then.at };
  }

  #or(): Expr {
    let left = this.#and();
    while (this.#isWord("or")) {
      this.#next();
      left = { kind: "logical", op: "or", left, right: this.#and(), at: left.at };
    }
    return left;
  }

  #and(): Expr {
    let left = this.#not();
    while (this.#isWord("and")) {
      this.#next();
      left = { kind: "logical", op: "and", left, right: this.#not(), at: left.at };
    }
    return left;
  }

  #not(): Expr {
    if (!this.#isWord("not")) return this.#comparison();
    const at = this.#next().at;
    return { kind: "unary", op: "not", operand: this.#not(), at };
  }

  #comparison(): Expr {
    let left = this.#additive();
    for (;;) {
      const token = this.peek();
      let op: BinaryOperator | undefined;
      if (token.type === "op" && COMPARISONS.has(token.value))
        op = token.value as BinaryOperator; // checked by the set
      else if (this.#isWord("in")) op = "in";
      else if (this.#isWord("not") && this.#isWord("in", 1)) op = "not in";
      if (op === undefined) return left;
      this.#next();
      if (op === "not in") this.#next();
      left = { kind: "binary", op, left, right: this.#additive(), at: left.at };
    }
  }

  #additive(): Expr {
    let left = this.#multiplicative();
    while (this.#isOp("+") || this.#isOp("-")) {
      const op = this.#next().value as "+" | "-"; // just checked
      left = { kind: "binary", op, left, right: this.#multiplicative(), at: left.at };
    }
    return left;
  }

  #multiplicative(): Expr {
    let left = this.#unary();
    while (this.#isOp("*") || this.#isOp("/") || this.#isOp("//") || this.#isOp("%")) {
      const op = this.#next().value as "*" | "/" | "//" | "%"; // just checked
      left = { kind: "binary", op, left, right: this.#unary(), at: left.at };
    }
    return left;
  }

  #unary(): Expr {
    if (this.#isOp("-") || this.#isOp("+")) {
      const token = this.#next();
      return { kind: "unary", op: token.value as "-" | "+", operand: this.#unary(), at: token.at }; // just checked
    }
    return this.#postfix();
  }

  #postfix(): Expr {
    let expr = this.#primary();
    for (;;) {
      if (this.#isOp(".")) {
        this.#next();
        const name = this.#next();
        if (name.type !== "name")
          throw new ExpressionSyntaxError(
            `expected a name after ".", found ${describe(name)}`,
            name.at,
          );
        expr = { kind: "member", object: expr, name: name.value, at: expr.at };
      } else if (this.#isOp("[")) {
        this.#next();
        const index = this.conditional();
        this.#expectOp("]");
        expr = { kind: "index", object: expr, index, at: expr.at };
      } else if (this.#isOp("(")) {
        this.#next();
        expr = { kind: "call", callee: expr, args: this.#list(")"), at: expr.at };
      } else return expr;
    }
  }

  /** Comma-separated expressions up to `close` (already past the opening bracket). */
  #list(close: string): Expr[] {
    const items: Expr[] = [];
    while (!this.#isOp(close)) {
      items.push(this.conditional());
      if (!this.#isOp(",")) break;
      this.#next();
    }
    this.#expectOp(close);
    return items;
  }

  #primary(): Expr {
    const token = this.#next();
    switch (token.type) {
      case "number":
      case "string":
        return { kind: "literal", value: token.value, at: token.at };
      case "name": {
        if (Object.hasOwn(CONSTANTS, token.value))
          return { kind: "literal", value: CONSTANTS[token.value] ?? null, at: token.at };
        if (KEYWORDS.has(token.value))
          throw new ExpressionSyntaxError(`unexpected "${token.value}"`, token.at);
        return { kind: "name", name: token.value, at: token.at };
      }
      case "op":
        if (token.value === "(") {
          const inner = this.conditional();
          this.#expectOp(")");
          return inner;
        }
        if (token.value === "[") return { kind: "list", items: this.#list("]"), at: token.at };
        throw new ExpressionSyntaxError(`unexpected "${token.value}"`, token.at);
      case "end":
        throw new ExpressionSyntaxError("expression ends too early", token.at);
    }
  }
}
