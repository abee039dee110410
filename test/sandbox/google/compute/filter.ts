// Compute Engine list filters, evaluated on the resource's JSON as the API returns it.
// Two dialects that may not be mixed: AIP-160 (`labels.role = gitlab-runner`, `name != x`,
// `(a) AND (b)`, `labels.owner:*`, `*` wildcards) and RE2 `eq`/`ne` full-match regexes.
import { computeInvalid } from '../errors';
import { collectOps, fieldValue, FilterSyntaxError, parseFilter, type FilterNode } from '../filter-parser';

export type ResourcePredicate = (resource: Record<string, unknown>) => boolean;

export function compileComputeFilter(filter: string | null): ResourcePredicate {
  if (!filter || !filter.trim()) return () => true;
  const invalid = () =>
    computeInvalid(`Invalid value for field 'filter': '${filter}'. Invalid list filter expression.`);
  let tree: FilterNode | undefined;
  try {
    tree = parseFilter(filter);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw invalid();
    throw e;
  }
  if (!tree) return () => true;
  const ops = collectOps(tree);
  const regexDialect = ops.has('eq') || ops.has('ne');
  if (regexDialect && [...ops].some((op) => op !== 'eq' && op !== 'ne')) throw invalid();
  validate(tree, invalid);
  const root = tree;
  return (resource) => evaluate(root, resource);
}

function validate(node: FilterNode, invalid: () => Error): void {
  switch (node.kind) {
    case 'text':
      throw invalid(); // Compute has no free-text search
    case 'not':
      return validate(node.item, invalid);
    case 'and':
    case 'or':
      return node.items.forEach((n) => validate(n, invalid));
    case 'cmp':
      if (node.op === 'eq' || node.op === 'ne') {
        try {
          new RegExp(`^(?:${node.value})$`);
        } catch {
          throw invalid();
        }
      }
  }
}

function evaluate(node: FilterNode, resource: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return node.items.every((n) => evaluate(n, resource));
    case 'or':
      return node.items.some((n) => evaluate(n, resource));
    case 'not':
      return !evaluate(node.item, resource);
    case 'text':
      return false;
    case 'cmp':
      return compare(fieldValue(resource, node.field), node.op, node.value);
  }
}

function compare(actual: unknown, op: string, expected: string): boolean {
  if (op === ':' && expected === '*') return actual !== undefined;
  if (op === 'eq' || op === 'ne') {
    const matches = actual !== undefined && new RegExp(`^(?:${expected})$`).test(String(actual));
    return op === 'eq' ? matches : !matches;
  }
  if (actual === undefined) return op === '!=';
  const text = String(actual);
  switch (op) {
    case '=':
      return globMatch(text, expected);
    case '!=':
      return !globMatch(text, expected);
    case ':':
      return text.includes(expected);
    default: {
      const a = Number(text);
      const b = Number(expected);
      const [x, y]: [number | string, number | string] = Number.isNaN(a) || Number.isNaN(b) ? [text, expected] : [a, b];
      if (op === '>') return x > y;
      if (op === '<') return x < y;
      if (op === '>=') return x >= y;
      return x <= y;
    }
  }
}

function globMatch(text: string, pattern: string): boolean {
  if (!pattern.includes('*')) return text === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`).test(text);
}
