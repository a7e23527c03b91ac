import { ErrorCode, SdkError } from '@ha-ingestor/core';
import { MAX_JSON_DEPTH } from '@ha-ingestor/core/json';

/**
 * Depth bound for attribute values before anything recursive touches them (issue 11). Sources refuse JSON
 * nested past {@link MAX_JSON_DEPTH} when they parse it, but an enricher or plugin can build an event in
 * code: a 10,000-deep list there made `JSON.stringify` throw a RangeError in the mapping. Now such an event
 * is rejected with reason `json_too_deep` and a message naming the attribute.
 */

/** Dead-letter reason of an event with a value nested deeper than {@link MAX_JSON_DEPTH}. */
export const JSON_TOO_DEEP = 'json_too_deep';

/** The error the mapper turns into a `json_too_deep` rejection of the event. */
export function tooDeep(what: string): SdkError {
  return new SdkError(ErrorCode.EVENT_INVALID, `${what} nests deeper than ${MAX_JSON_DEPTH} levels`, {
    data: { reason: JSON_TOO_DEEP },
  });
}

/**
 * True when serialising `value` would nest deeper than `limit` (a scalar is 0, `[]` and `{}` are 1).
 * Iterative, and like the `[Circular]` replacer of `safeJson` it expands every object once, in the same
 * depth-first order as `JSON.stringify`, so shared and cyclic structures cost linear time, never more.
 */
export function nestsDeeperThan(value: unknown, limit: number = MAX_JSON_DEPTH): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const seen = new WeakSet<object>();
  const stack: Array<readonly [object, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as readonly [object, number];
    if (seen.has(node)) continue;
    seen.add(node);
    if (depth > limit) return true;
    if (node instanceof Date) continue; // toJSON(): a string
    const children = Object.values(node);
    // Pushed in reverse so they pop in key order: the traversal order JSON.stringify uses.
    for (let i = children.length - 1; i >= 0; i--) {
      const child: unknown = children[i];
      if (typeof child === 'object' && child !== null && !seen.has(child)) stack.push([child, depth + 1]);
    }
  }
  return false;
}
