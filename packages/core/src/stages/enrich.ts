import type { AckGroup } from '../runtime/ack.js';
import { DROP } from '../component/enricher.js';
import { ErrorCode, toSdkError } from '../model/errors.js';
import type { AnyEnricher } from '../component/any.js';
import type { StageBatch, StageEnv, StageRunner } from './stage.js';

/**
 * The enricher stage. Synchronous enrichers stay synchronous: `enrich` is called per event and the stage
 * awaits only when some result was a thenable (all of them at once, once per batch). `enrichBatch` is used
 * when present. A result is shallow-merged (`{...event, ...added}`); `DROP` drops (`enricher`); an enricher
 * that throws for one event is reported and that event dead-lettered (`enricher_error`); the others go on.
 *
 * Contract: every enricher gets an object nobody writes to afterwards. The merge makes a new object for every
 * result that is an object, so an enricher (or a tap, a `processed` listener) may keep the event it saw; an own
 * `__proto__` key (JSON.parse makes one from outside data) stays a data property. One shallow copy per enricher
 * per event is deliberate (issue 14, measured three times): one pipeline-owned copy that later enrichers' fields
 * are written into would break that contract and was slower; `Object.assign({}, event, added)` took the stage
 * from ~2.7 % to ~8 % of the busy time in `bench/steady.ts` profiles — V8's object spread is the fast form here.
 */
export function enrichStage(enricher: AnyEnricher): StageRunner {
  const stage = `enricher:${enricher.name}`;
  return {
    name: stage,
    run: (batch: StageBatch, env: StageEnv) => {
      if (enricher.enrichBatch !== undefined) return runBatched(enricher, stage, batch, env);
      return runPerEvent(enricher, stage, batch, env);
    },
  };
}

// --- internal ---

/** Marks an event whose enrich call threw (allocated only on error). */
class EnrichFailure {
  constructor(readonly error: unknown) {}
}

function runPerEvent(enricher: AnyEnricher, stage: string, batch: StageBatch, env: StageEnv): void | Promise<void> {
  const { events } = batch;
  const results = new Array<unknown>(events.length);
  let waitIndexes: number[] | undefined;
  let waits: PromiseLike<unknown>[] | undefined;
  for (let i = 0; i < events.length; i++) {
    let r: unknown;
    try {
      r = enricher.enrich(events[i], env.ctx);
    } catch (error) {
      r = new EnrichFailure(error);
    }
    if (isThenable(r)) {
      (waitIndexes ??= []).push(i);
      (waits ??= []).push(r);
    } else results[i] = r;
  }
  if (waits === undefined || waitIndexes === undefined) return apply(results, stage, batch, env);
  const indexes = waitIndexes;
  return Promise.allSettled(waits).then((settled) => {
    for (let j = 0; j < settled.length; j++) {
      const s = settled[j] as PromiseSettledResult<unknown>;
      results[indexes[j] as number] = s.status === 'fulfilled' ? s.value : new EnrichFailure(s.reason);
    }
    apply(results, stage, batch, env);
  });
}

function runBatched(enricher: AnyEnricher, stage: string, batch: StageBatch, env: StageEnv): void | Promise<void> {
  const enrichBatch = enricher.enrichBatch as NonNullable<AnyEnricher['enrichBatch']>;
  const fallback = (error: unknown) => {
    // One bad event must not cost the batch: report, then isolate it with per-event calls.
    env.ctx.report(toSdkError(error, ErrorCode.INTERNAL, stage));
    return runPerEvent(enricher, stage, batch, env);
  };
  const check = (results: readonly unknown[]) => {
    if (results.length !== batch.events.length) {
      return fallback(new Error(`enrichBatch returned ${results.length} results for ${batch.events.length} events`));
    }
    return apply(results, stage, batch, env);
  };
  let r: ReturnType<typeof enrichBatch>;
  try {
    r = enrichBatch(batch.events, env.ctx);
  } catch (error) {
    return fallback(error);
  }
  if (isThenable(r)) return Promise.resolve(r).then(check, fallback);
  return check(r as readonly unknown[]);
}

function apply(results: readonly unknown[], stage: string, batch: StageBatch, env: StageEnv): void {
  const { events, groups } = batch;
  let w = 0;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const group = groups[i] as AckGroup;
    const r = results[i];
    if (r === DROP) {
      env.drop(group, 'enricher');
      continue;
    }
    if (r instanceof EnrichFailure) {
      const error = toSdkError(r.error, ErrorCode.INTERNAL, stage);
      env.ctx.report(error);
      env.ctx.deadLetter({ stage, reason: 'enricher_error', code: error.code, message: error.message, raw: event });
      env.drop(group, 'enricher_error');
      continue;
    }
    events[w] = r !== null && typeof r === 'object' ? { ...(event as object), ...r } : event;
    groups[w] = group;
    w++;
  }
  events.length = w;
  groups.length = w;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
