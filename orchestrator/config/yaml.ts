// YAML at the boundary (docs/architecture.md, principle 2): parse once with source positions, validate
// against a JSON Schema (unknown keys rejected), and report every problem with the file, the
// line and column, the field and what would be valid. Inside, config is typed data.
import fs from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from 'yaml';
import { UserFacingError } from '../errors.ts';

export class ConfigError extends UserFacingError {
  override name = 'ConfigError';
  readonly problems: string[];
  constructor(
    readonly file: string,
    problems: string[],
  ) {
    // one problem found by two checks (the schema and the loader's own) is one problem
    const unique = [...new Set(problems)];
    super(`${file}: ${unique.length} problem${unique.length === 1 ? '' : 's'}\n${unique.map((p) => `  ${p}`).join('\n')}`);
    this.problems = unique;
  }
}

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

export function didYouMean(word: string, options: string[]): string {
  const best = options.map((o) => ({ o, d: distance(word.toLowerCase(), o.toLowerCase()) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best.o}"?)` : '';
}

/** problems named one by one; the rest are counted */
const MAX_PROBLEMS = 25;
/** no topology or experiment nests deeper than a handful of levels; a file that does is refused, not recursed into */
const MAX_DEPTH = 64;

/** the deepest nesting of mappings and sequences in a document, and where it is (iterative: no recursion to overflow) */
function deepest(root: unknown): { depth: number; node: Node | null } {
  let best = { depth: 0, node: null as Node | null };
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (!isMap(n) && !isSeq(n)) continue;
    if (d + 1 > best.depth) best = { depth: d + 1, node: n as Node };
    if (d + 1 > MAX_DEPTH) break;
    for (const it of n.items as unknown[]) stack.push([isMap(n) ? (it as { value: unknown }).value : it, d + 1]);
  }
  return best;
}

export interface Loaded<T> {
  value: T;
  file: string;
  /** "file:line:col" of a path in the document, for errors found after validation */
  where(path: (string | number)[]): string;
  /**
   * The source text of the node at `path`, with everything before it blanked (newlines kept), so
   * that parsing it alone reports the same lines and columns as the whole file
   */
  sourceOf(path: (string | number)[]): string | null;
}

function nodeAt(doc: Node | null, path: (string | number)[], key = false): Node | null {
  let n: Node | null = doc;
  for (let i = 0; i < path.length; i++) {
    const p = path[i];
    if (isMap(n)) {
      const pair = n.items.find((it) => (it.key as { value?: unknown })?.value === p);
      if (!pair) return n;
      n = (key && i === path.length - 1 ? pair.key : pair.value) as Node | null;
    } else if (isSeq(n) && typeof p === 'number') n = (n.items[p] as Node) ?? n;
    else return n;
  }
  return n;
}

const fieldName = (path: (string | number)[]) => (path.length ? path.join('.') : '(top level)');

export function parseYaml<T>(text: string, file: string, schema: object): Loaded<T> {
  const lc = new LineCounter();
  // the library's own duplicate-key check compares every key with every other (200k keys took
  // minutes): it is off, and duplicates are found below in one pass per mapping
  const pos = (offset: number) => {
    const p = lc.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  const tooDeep = (at: string) => new ConfigError(file, [`${at}: nested more than ${MAX_DEPTH} levels deep; a topology or an experiment needs a few: is a bracket or an indentation off?`]);
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    if (err instanceof RangeError) throw tooDeep(`${file}:1:1`);
    throw err;
  }
  // the parser recurses: thousands of levels run it out of stack, which it reports as a syntax error
  const overflow = doc.errors.find((e) => /Maximum call stack size exceeded/.test(e.message));
  if (overflow) throw tooDeep(pos(overflow.pos[0]));
  const deep = deepest(doc.contents);
  if (deep.depth > MAX_DEPTH) throw tooDeep(deep.node?.range ? pos(deep.node.range[0]) : `${file}:1:1`);
  const duplicates: string[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const it of map.items) {
        const k = isScalar(it.key) ? it.key.value : String(it.key);
        if (seen.has(k) && duplicates.length < 25)
          duplicates.push(`${pos(isScalar(it.key) && it.key.range ? it.key.range[0] : 0)}: duplicate key ${JSON.stringify(k)}; a key may appear once in a mapping`);
        seen.add(k);
      }
    },
  });
  if (duplicates.length) throw new ConfigError(file, duplicates);
  if (doc.errors.length)
    throw new ConfigError(
      file,
      doc.errors.map((e) => `${pos(e.pos[0])}: YAML syntax: ${e.message.split('\n')[0]}`),
    );
  let value: unknown;
  try {
    // aliases that expand without end (a "billion laughs") are refused, not followed
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    throw new ConfigError(file, [`${file}:1:1: YAML aliases expand too far (${(err as Error).message}); write the values out instead of nesting aliases`]);
  }
  const where = (path: (string | number)[], key = false) => {
    const n = nodeAt(doc.contents as Node, path, key);
    return n?.range ? pos(n.range[0]) : `${file}:1:1`;
  };
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  const validate = ajv.compile(schema);
  if (!validate(value)) {
    // a file with 200k wrong keys gets the first ones named: locating each costs a walk of the document
    // a value of none of a oneOf's types is one problem, not one per type and one more for the
    // oneOf: its type errors are folded into the oneOf's line ("must be string or object")
    const all = validate.errors ?? [];
    const typesOf = new Map<ErrorObject, string[]>();
    const folded = new Set<ErrorObject>();
    for (const e of all.filter((x) => x.keyword === 'oneOf')) {
      const branches = all.filter((x) => x !== e && x.instancePath === e.instancePath && x.schemaPath.startsWith(`${e.schemaPath}/`));
      if (branches.length && branches.every((x) => x.keyword === 'type')) {
        typesOf.set(e, [...new Set(branches.map((x) => String((x.params as { type: string }).type)))]);
        for (const x of branches) folded.add(x);
      }
    }
    const errors = all.filter((e) => !folded.has(e));
    const shown = errors.slice(0, MAX_PROBLEMS);
    const problems = shown.map((e: ErrorObject) => {
      const path = e.instancePath
        .split('/')
        .slice(1)
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      const at = where(path);
      const field = fieldName(path);
      switch (e.keyword) {
        case 'additionalProperties': {
          const extra = (e.params as { additionalProperty: string }).additionalProperty;
          const sch = e.parentSchema as { properties?: Record<string, unknown> };
          const allowed = Object.keys(sch.properties ?? {});
          return `${where([...path, extra], true)}: ${field}: unknown key "${extra}"${didYouMean(extra, allowed)}; valid keys: ${allowed.join(', ')}`;
        }
        case 'oneOf': {
          const types = typesOf.get(e);
          const mapping = (t: string) => (t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : `a ${t}`);
          if (types) return `${at}: ${field}: must be ${types.map(mapping).join(' or ')}, got ${JSON.stringify(e.data)}`;
          return `${at}: ${field}: ${e.message}`;
        }
        case 'enum':
          return `${at}: ${field}: ${JSON.stringify((e.data as unknown) ?? null)} is not valid; valid values: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
        case 'propertyNames':
        case 'if':
          // ajv also reports the name's own failure (a pattern) with the name, and a failed
          // if/then with the `then` part's own error: that line says it
          return '';
        case 'required': {
          const missing = (e.params as { missingProperty: string }).missingProperty;
          // a key required only in some cases (an if/then of the schema) says which, by the case's description
          const why = (e.parentSchema as { description?: string } | undefined)?.description;
          const when = e.schemaPath.includes('/then/') && why ? ` (${why})` : '';
          return `${at}: ${field}: missing required key "${missing}"${when}`;
        }
        default:
          return `${at}: ${field}: ${e.message}${e.keyword === 'pattern' ? ` (got ${JSON.stringify((e.params as { propertyName?: string }).propertyName ?? e.data)})` : ''}`;
      }
    });
    // the invalid name itself (propertyNames) reports twice through ajv; keep each line once
    const more = errors.length > shown.length ? [`... and ${errors.length - shown.length} more problems of the same file`] : [];
    throw new ConfigError(file, [...new Set(problems.filter(Boolean)), ...more]);
  }
  const sourceOf = (path: (string | number)[]) => {
    const n = nodeAt(doc.contents as Node, path);
    if (!n?.range) return null;
    return text.slice(0, n.range[0]).replace(/[^\n]/g, ' ') + text.slice(n.range[0], n.range[1]);
  };
  return { value: value as T, file, where, sourceOf };
}

export function loadYamlFile<T>(file: string, schema: object): Loaded<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parseYaml<T>(text, file, schema);
}

/** "8mbit", "512kbit", "1gbit" -> kbit */
export function parseRate(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(kbit|mbit|gbit)$/i.exec(s.trim());
  if (!m) throw new Error(`rate "${s}" is not like 8mbit, 512kbit or 1gbit`);
  return Math.round(Number(m[1]) * { kbit: 1, mbit: 1000, gbit: 1_000_000 }[m[2].toLowerCase() as 'kbit']);
}

/** "20ms", "1s" -> ms */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|min|h|d)$/.exec(s.trim());
  if (!m) throw new Error(`duration "${s}" is not like 20ms, 2s, 30min, 1h or 7d`);
  return Number(m[1]) * { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms'];
}

/** "0.5%" -> 0.5 (the caller checks the range, so that its error can name the line) */
export function parsePercent(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*%$/.exec(s.trim());
  if (!m) throw new Error(`"${s}" is not a percentage like 0.5%`);
  return Number(m[1]);
}
