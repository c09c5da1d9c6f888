/** The stream-map expression language's tokens (the parser is expression.ts). */

/** A parse failure: `column` is 1-based in the expression text. */
export class ExpressionSyntaxError extends Error {
  readonly column: number;
  constructor(message: string, column: number) {
    super(`${message} at column ${column}`);
    this.name = "ExpressionSyntaxError";
    this.column = column;
  }
}

export type Token =
  | { readonly type: "number"; readonly value: number; readonly at: number }
  | { readonly type: "string"; readonly value: string; readonly at: number }
  | { readonly type: "name"; readonly value: string; readonly at: number }
  | { readonly type: "op"; readonly value: string; readonly at: number }
  | { readonly type: "end"; readonly value: ""; readonly at: number };

// Longest first, so `//` wins over `/` and `<=` over `<`.
const OPERATORS = [
  "//",
  "==",
  "!=",
  "<=",
  ">=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  ",",
  ".",
];
const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
  "0": "\0",
};

/** Cuts expression text into tokens, ending with an "end" token; `at` is the 1-based column. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    const at = i + 1;
    if (/\s/.test(char)) {
      i += 1;
    } else if (/[0-9]/.test(char) || (char === "." && /[0-9]/.test(text.charAt(i + 1)))) {
      const match = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      const raw = match?.[0] ?? char;
      tokens.push({ type: "number", value: Number(raw), at });
      i += raw.length;
    } else if (char === "'" || char === '"') {
      let value = "";
      let j = i + 1;
      for (; j < text.length && text.charAt(j) !== char; j += 1) {
        if (text.charAt(j) === "\\") {
          j += 1;
          const escaped = ESCAPES[text.charAt(j)];
          if (escaped === undefined) throw new ExpressionSyntaxError("unknown escape in string", j);
          value += escaped;
        } else value += text.charAt(j);
      }
      if (j >= text.length) throw new ExpressionSyntaxError("string is not closed", at);
      tokens.push({ type: "string", value, at });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(char)) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0] ?? char;
      tokens.push({ type: "name", value: name, at });
      i += name.length;
    } else {
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, i));
      if (op === undefined)
        throw new ExpressionSyntaxError(`unexpected character ${JSON.stringify(char)}`, at);
      tokens.push({ type: "op", value: op, at });
      i += op.length;
    }
  }
  tokens.push({ type: "end", value: "", at: text.length + 1 });
  return tokens;
}
