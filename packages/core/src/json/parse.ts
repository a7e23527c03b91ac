import { errorMessage } from '../model/errors.js';

/**
 * Nesting deeper than this is refused at every boundary where JSON arrives from outside (HA frames, MQTT
 * payloads, HTTP bodies of context providers). HA's own states nest a handful of levels (a weather
 * forecast list of objects is 3); 32 leaves room for any real integration while keeping every recursive
 * walk downstream (stable JSON, size estimates, attribute flattening, JSON.stringify with a replacer)
 * far from the stack limit. Regression (issue 11): `'['.repeat(3000)` in one statestream attribute threw
 * a RangeError in a timer and crash-looped the service.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Nesting allowed for a whole event: the envelope (event → new_state → attributes) plus MAX_JSON_DEPTH
 * for the values inside it. Checked where an event built in code could reach recursion: the validate
 * stage (zod) and a failed sink write or outbox append (delivery-isolate).
 */
export const MAX_EVENT_DEPTH = MAX_JSON_DEPTH + 4;

/** Why JSON text was refused: the dead-letter reason and a specific message. */
export interface JsonTextError {
  readonly reason: 'invalid_json' | 'json_too_deep';
  readonly message: string;
}

/**
 * Parses JSON text, refusing nesting past `maxDepth` before anything walks it. Never throws. With
 * `maxDepth` Infinity it only parses (JSON.parse is iterative in V8: safe at any depth) — for a caller
 * that measured the text itself.
 */
export function parseJsonText(
  text: string,
  maxDepth: number = MAX_JSON_DEPTH,
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: JsonTextError } {
  const depth = Number.isFinite(maxDepth) && !fewOpenings(text, maxDepth) ? jsonDepthBeyond(text, maxDepth) : undefined;
  if (depth !== undefined) {
    return {
      ok: false,
      error: {
        reason: 'json_too_deep',
        message: `JSON nests deeper than ${maxDepth} levels (at offset ${depth.offset})`,
      },
    };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const detail = errorMessage(error);
    return { ok: false, error: { reason: 'invalid_json', message: `not valid JSON (${detail})` } };
  }
}

/**
 * True when `text` holds at most `max` `{` and `[` in all (strings included): then it cannot nest deeper than
 * `max`, and the scan of {@link jsonDepthBeyond} is not needed. Issue 14: a single HA event frame has about a
 * dozen; counting them with native `indexOf` costs a fraction of the character-by-character scan.
 */
function fewOpenings(text: string, max: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > max) return false;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > max) return false;
  return true;
}

/**
 * Scans JSON text (without parsing it) and returns where its nesting first exceeds `maxDepth`, or
 * `undefined` when it does not. Brackets inside strings are skipped; invalid JSON is left to the parser.
 * Linear, no allocation: about a nanosecond per character.
 */
export function jsonDepthBeyond(text: string, maxDepth: number): { readonly offset: number } | undefined {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i + 1);
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) return { offset: i };
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return undefined;
}

/**
 * How deep a value nests as JSON (a scalar or a Date is 0, `[]` and `{}` are 1), counted iteratively and
 * stopping as soon as it passes `limit` (then `limit + 1` is returned). For values that did not come
 * through {@link parseJsonText}: events built in code, objects handed over by a plugin. An object reached
 * again is expanded again only when reached deeper than before, so shared structures cost at most
 * nodes × limit steps (not exponential), and a cycle counts as too deep.
 */
export function valueDepth(value: unknown, limit: number = MAX_JSON_DEPTH): number {
  if (!isContainer(value)) return 0;
  let deepest = 0;
  const reached = new Map<object, number>();
  const stack: Array<readonly [object, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as readonly [object, number];
    if ((reached.get(node) ?? 0) >= depth) continue;
    reached.set(node, depth);
    if (depth > deepest) {
      deepest = depth;
      if (deepest > limit) return limit + 1;
    }
    const children = Array.isArray(node) ? (node as unknown[]) : Object.values(node);
    for (const child of children)
      if (isContainer(child) && (reached.get(child) ?? 0) < depth + 1) stack.push([child, depth + 1]);
  }
  return deepest;
}

// --- internal ---

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !(value instanceof Date);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** Index of the closing quote of the string starting at `from` (or the end of the text). */
function stringEnd(text: string, from: number): number {
  let i = from;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0) return text.length;
    let backslashes = 0;
    for (let j = q - 1; j >= from && text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return q;
    i = q + 1;
  }
}
