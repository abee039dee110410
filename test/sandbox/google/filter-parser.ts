// One parser for the list-filter languages of Compute, Logging and KMS (AIP-160 family plus
// Compute's `eq`/`ne` regular-expression form). Each API evaluates the tree its own way.
export type FilterOp = '=' | '!=' | '>' | '<' | '>=' | '<=' | ':' | 'eq' | 'ne';

export type FilterNode =
  | { kind: 'cmp'; field: string; path: string[]; op: FilterOp; value: string }
  | { kind: 'text'; value: string }
  | { kind: 'and' | 'or'; items: FilterNode[] }
  | { kind: 'not'; item: FilterNode };

export class FilterSyntaxError extends Error {}

const FIELD = /[A-Za-z0-9_\-@/$]/;
const SYMBOL_OPS = ['!=', '>=', '<=', '=', '>', '<', ':'] as const;

export function parseFilter(text: string): FilterNode | undefined {
  const parser = new Parser(text);
  if (parser.atEnd()) return undefined;
  const node = parser.expression();
  if (!parser.atEnd()) throw new FilterSyntaxError(`unexpected input at ${parser.pos}`);
  return node;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  expression(): FilterNode {
    const items = [this.conjunction()];
    while (this.keyword('OR')) items.push(this.conjunction());
    return items.length === 1 ? items[0] : { kind: 'or', items };
  }

  private conjunction(): FilterNode {
    const items = [this.unary()];
    for (;;) {
      if (this.keyword('AND')) {
        items.push(this.unary());
        continue;
      }
      this.skipSpace();
      const c = this.text[this.pos];
      // Juxtaposition is an implicit AND: `(a = 1) (b = 2)`.
      if (c === undefined || c === ')' || this.peekKeyword('OR')) break;
      items.push(this.unary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  }

  private unary(): FilterNode {
    if (this.keyword('NOT')) return { kind: 'not', item: this.unary() };
    this.skipSpace();
    if (this.text[this.pos] === '-' && this.text[this.pos + 1] !== ' ') {
      this.pos++;
      return { kind: 'not', item: this.unary() };
    }
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.expression();
      this.skipSpace();
      if (this.text[this.pos] !== ')') throw new FilterSyntaxError(`missing ) at ${this.pos}`);
      this.pos++;
      return inner;
    }
    return this.comparison();
  }

  private comparison(): FilterNode {
    this.skipSpace();
    if (this.text[this.pos] === '"' || this.text[this.pos] === "'") return { kind: 'text', value: this.quoted() };
    const start = this.pos;
    const path = this.fieldPath();
    const field = path.join('.');
    if (!field) throw new FilterSyntaxError(`expected a field at ${start}`);
    const op = this.operator();
    if (!op) return { kind: 'text', value: field };
    this.skipSpace();
    const value = this.value();
    return { kind: 'cmp', field, path, op, value };
  }

  /** `a.b.c`, where a segment may be quoted to hold dots: `labels."compute.googleapis.com/x"`. */
  private fieldPath(): string[] {
    const path: string[] = [];
    let segment = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === '"' && segment === '' && path.length > 0) {
        segment = this.quoted();
        continue;
      }
      if (c === '.') {
        path.push(segment);
        segment = '';
        this.pos++;
        continue;
      }
      if (!FIELD.test(c)) break;
      segment += c;
      this.pos++;
    }
    if (segment || path.length) path.push(segment);
    return path;
  }

  private operator(): FilterOp | undefined {
    this.skipSpace();
    for (const op of SYMBOL_OPS) {
      if (this.text.startsWith(op, this.pos)) {
        this.pos += op.length;
        return op;
      }
    }
    for (const word of ['eq', 'ne'] as const) {
      if (this.text.startsWith(word, this.pos) && /\s/.test(this.text[this.pos + 2] ?? '')) {
        this.pos += 2;
        return word;
      }
    }
    return undefined;
  }

  private value(): string {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.quoted();
    const start = this.pos;
    while (this.pos < this.text.length && !/[\s()]/.test(this.text[this.pos])) this.pos++;
    if (this.pos === start) throw new FilterSyntaxError(`expected a value at ${start}`);
    return this.text.slice(start, this.pos);
  }

  private quoted(): string {
    const quote = this.text[this.pos++];
    let out = '';
    while (this.pos < this.text.length && this.text[this.pos] !== quote) {
      if (this.text[this.pos] === '\\' && this.pos + 1 < this.text.length) this.pos++;
      out += this.text[this.pos++];
    }
    if (this.text[this.pos] !== quote) throw new FilterSyntaxError('unterminated string');
    this.pos++;
    return out;
  }

  private peekKeyword(word: string): boolean {
    this.skipSpace();
    return this.text.startsWith(word, this.pos) && /[\s(]/.test(this.text[this.pos + word.length] ?? '');
  }

  private keyword(word: string): boolean {
    if (!this.peekKeyword(word)) return false;
    this.pos += word.length;
    return true;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
}

/** Reads `a.b.c` (or the given path segments) from a JSON-like object. */
export function fieldValue(obj: unknown, path: string | string[]): unknown {
  let current: unknown = obj;
  for (const part of typeof path === 'string' ? path.split('.') : path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export function collectOps(node: FilterNode, into = new Set<FilterOp>()): Set<FilterOp> {
  if (node.kind === 'cmp') into.add(node.op);
  else if (node.kind === 'and' || node.kind === 'or') node.items.forEach((n) => collectOps(n, into));
  else if (node.kind === 'not') collectOps(node.item, into);
  return into;
}
