import { releaseAll } from '../runtime/ack.js';
import type { Batch } from './batcher.js';
import type { StageContext } from '../component/context.js';
import { ErrorCode, errorMessage } from '../model/errors.js';
import { MAX_EVENT_DEPTH, valueDepth } from '../json/parse.js';
import type { Counters } from '../runtime/stats.js';

// Events nesting deeper than core's MAX_EVENT_DEPTH are taken out of a failed batch and dead-lettered
// (`json_too_deep`): far below the depth at which `JSON.stringify` or a recursive serialiser overflows the
// stack (a few thousand levels), and above anything that passed a source boundary's MAX_JSON_DEPTH.

/** Why an event can't be serialised, or undefined when it can. */
export interface Unfit {
  readonly reason: 'json_too_deep' | 'not_serialisable';
  readonly message: string;
}

/**
 * Checks one event. Depth is counted iteratively (no recursion, so a 10,000-deep value can't overflow the
 * stack here); with `serialise`, the event is also run through `JSON.stringify` (bigints, cycles), which is
 * what the disk outbox does with whole batches.
 */
export function unfitEvent(event: unknown, serialise: boolean): Unfit | undefined {
  if (valueDepth(event, MAX_EVENT_DEPTH) > MAX_EVENT_DEPTH) {
    return {
      reason: 'json_too_deep',
      message: `event nests deeper than ${MAX_EVENT_DEPTH} levels (or holds a cycle); it can't be serialised safely`,
    };
  }
  if (!serialise) return undefined;
  try {
    if (JSON.stringify(event) === undefined)
      return { reason: 'not_serialisable', message: 'event is not a JSON value' };
  } catch (error) {
    return { reason: 'not_serialisable', message: `event is not JSON-serialisable: ${errorMessage(error)}` };
  }
  return undefined;
}

/**
 * Takes the events no sink or outbox can serialise out of a batch whose write or append failed: each is
 * dead-lettered with its reason and counted as dropped (`json_too_deep` / `not_serialisable`, handled like any
 * dead-letter), and the rest come back as a new batch to try again. Returns undefined when every event is
 * fit (the failure had another cause). Issue 11: one deep attribute failed its whole batch (a RangeError in
 * the sink, EVENT_INVALID from the outbox) on every redelivery, so its neighbours were never written.
 * Runs only on the failure path: a healthy pipeline pays nothing for it.
 */
export function isolateUnfit(
  batch: Batch,
  serialise: boolean,
  ctx: StageContext,
  counters: Counters,
  stage: string,
): Batch | undefined {
  let rest: Batch | undefined;
  for (let i = 0; i < batch.events.length; i++) {
    const event = batch.events[i];
    const unfit = unfitEvent(event, serialise);
    if (unfit === undefined) {
      if (rest !== undefined) {
        rest.events.push(event);
        rest.groups.push(batch.groups[i] as Batch['groups'][number]);
      }
      continue;
    }
    if (rest === undefined)
      rest = { events: batch.events.slice(0, i), groups: batch.groups.slice(0, i), bytes: batch.bytes };
    ctx.deadLetter({ stage, reason: unfit.reason, code: ErrorCode.EVENT_INVALID, message: unfit.message, raw: event });
    counters.drop(unfit.reason);
    releaseAll(batch.groups, i, i + 1);
  }
  return rest;
}
