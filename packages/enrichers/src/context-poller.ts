import {
  ErrorCode,
  SdkError,
  createGuard,
  noopLogger,
  redactSecrets,
  toSdkError,
  errorMessage,
  registryCapability,
} from '@ha-ingestor/core';
import { createBreaker } from '@ha-ingestor/core/resilience';
import type { Logger, Metrics, StageContext } from '@ha-ingestor/core';
import type { BreakerState } from '@ha-ingestor/core/resilience';
import type { z } from 'zod';
import { failureReason, fetchJson } from './http-json.js';
import { checkTemplates, render } from './url-template.js';
import type { FetchFailureReason, FetchLike } from './http-json.js';
import type {
  PolledAdded,
  PolledContextHooks,
  PolledLocation,
  PolledValue,
  ResolvedPolledContextOptions,
} from './polled-options.js';

/** Why an event passed without context: a fetch failure, or the poller's own state. */
export type UnavailableReason = FetchFailureReason | 'pending' | 'expired' | 'not_started' | 'unknown_location';

/** State of one location's poll loop. */
export interface LocationStatus {
  readonly location: string;
  /** Epoch ms of the last successful fetch. */
  readonly fetchedAt?: number;
  readonly stale: boolean;
  readonly lastFailure?: FetchFailureReason;
  /** Epoch ms of the next scheduled fetch. */
  readonly nextFetchAt?: number;
  readonly breaker: BreakerState;
}

/** The moving parts behind a polled-context enricher named `N` that attaches `C`. */
export interface ContextPoller<N extends string, C extends object> {
  readonly enrich: (event: object, ctx: StageContext) => PolledAdded<N, C>;
  readonly start: (ctx: StageContext) => Promise<void>;
  readonly close: () => Promise<void>;
  readonly refresh: () => Promise<void>;
  readonly status: () => readonly LocationStatus[];
}

/** Delay before retrying after a failed fetch (capped by intervalMs); 429 waits at least Retry-After. */
const RETRY_AFTER_FAILURE_MS = 60_000;
/** Shortest wait before refetching a value whose validity ended (guards against a tight loop). */
const MIN_REFETCH_MS = 1_000;
/** Failures that say nothing about the provider's health, so they don't count towards opening the breaker. */
const NOT_BREAKER_FAILURES = new Set<string>(['rate_limited', 'aborted', 'no_location']);

interface LocationState<N extends string, C extends object> {
  readonly loc: PolledLocation;
  value?: C;
  attached?: PolledAdded<N, C>;
  fetchedAt?: number;
  validUntil?: number;
  lastFailure?: FetchFailureReason;
  timer?: ReturnType<typeof setTimeout>;
  nextFetchAt?: number;
  inFlight?: Promise<void>;
}

/** Creates the per-location poll loops, cache and metrics of a polled-context enricher (attached as `opts.name`). */
export function createContextPoller<N extends string, S extends z.ZodType, C extends object>(
  opts: ResolvedPolledContextOptions & { readonly name: N },
  hooks: PolledContextHooks<S, C>,
): ContextPoller<N, C> {
  const name = opts.name;
  const secrets = opts.apiKey === undefined ? [] : [opts.apiKey];
  checkTemplates(opts);
  const breaker = createBreaker({
    name,
    threshold: opts.breaker.threshold,
    resetTimeoutMs: opts.breaker.resetTimeoutMs,
    isFailure: (error) => !NOT_BREAKER_FAILURES.has(failureReason(error)),
  });
  const states = new Map<string, LocationState<N, C>>(opts.locations.map((loc) => [loc.id, { loc }] as const));
  const firstId = opts.locations[0]?.id ?? 'home';
  const closing = new AbortController();
  const fetchFn: FetchLike = hooks.fetch ?? ((url, init) => fetch(url, init));
  const timeoutSignal = hooks.timeout ?? ((ms: number) => AbortSignal.timeout(ms));
  let started = false;
  let closed = false;
  let logger: Logger = noopLogger;
  let report: (error: unknown) => void = () => undefined;
  // Issue 11: the poll timers are guarded; `report` is the pipeline's once start() ran.
  const guard = createGuard({ report: (error) => report(error) }, name);
  let clock: () => number = hooks.now ?? Date.now;
  // HA's coordinates: the hook's registry, else the pipeline's (taken at start; issue 12), else none.
  let registry = hooks.registry;
  const counters = createCounterCache(name);
  let startMetrics: Metrics | undefined;

  breaker.onStateChange((state) => {
    // Called as methods: a pino logger's methods need their `this` (an unbound call threw inside the poller).
    const fields = { enricher: name, breaker: state };
    if (state === 'open') logger.warn(fields, `${name}: circuit breaker ${state}`);
    else logger.info(fields, `${name}: circuit breaker ${state}`);
  });

  const attach = (st: LocationState<N, C>, stale: boolean) => {
    if (st.value === undefined || st.fetchedAt === undefined) return;
    const value: PolledValue<C> = Object.freeze({ ...st.value, location: st.loc.id, fetched_at: st.fetchedAt, stale });
    st.attached = Object.freeze(fieldOf(name, value));
  };

  const schedule = (st: LocationState<N, C>, delayMs: number) => {
    if (closed) return;
    if (st.timer !== undefined) clearTimeout(st.timer);
    st.nextFetchAt = clock() + delayMs;
    st.timer = setTimeout(
      guard(
        'poll',
        () => {
          st.timer = undefined;
          return poll(st);
        },
        // A poll that failed outside its own error handling must not end polling for good.
        () => schedule(st, RETRY_AFTER_FAILURE_MS),
      ),
      delayMs,
    );
    st.timer.unref?.();
  };

  const fetchOnce = async (st: LocationState<N, C>): Promise<{ value: C; now: number }> => {
    const url = render(opts.url, st.loc, opts.apiKey, registry, name, true);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers))
      headers[k] = render(v, st.loc, opts.apiKey, registry, name, false);
    const data = await breaker.fire(async (): Promise<z.output<S>> => {
      const signal = AbortSignal.any([timeoutSignal(opts.timeoutMs), closing.signal]);
      const json = await fetchJson(url, { stage: name, fetch: fetchFn, headers, signal, secrets, now: clock });
      const parsed = hooks.schema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'shape mismatch';
        throw new SdkError(
          ErrorCode.PROTOCOL_ERROR,
          `${name}: unexpected response (${redactSecrets(where, secrets)})`,
          {
            stage: name,
            data: { reason: 'invalid_response' },
          },
        );
      }
      return parsed.data;
    });
    const now = clock();
    const value = hooks.select(data, { location: st.loc, now });
    if (value === undefined) {
      throw new SdkError(ErrorCode.PROTOCOL_ERROR, `${name}: no context applies now`, {
        stage: name,
        data: { reason: 'no_data' },
      });
    }
    return { value, now };
  };

  const poll = (st: LocationState<N, C>): Promise<void> => {
    if (closed) return Promise.resolve();
    if (st.inFlight) return st.inFlight;
    if (st.timer !== undefined) clearTimeout(st.timer);
    st.timer = undefined;
    const run = async () => {
      let delay = opts.intervalMs;
      try {
        const { value, now } = await fetchOnce(st);
        const validUntil = hooks.validUntil?.(value);
        const recovered = st.lastFailure !== undefined;
        st.value = value;
        st.fetchedAt = now;
        st.validUntil = validUntil;
        st.lastFailure = undefined;
        attach(st, false);
        if (st.validUntil !== undefined) delay = Math.min(delay, Math.max(st.validUntil - now, MIN_REFETCH_MS));
        counters.fetch(startMetrics, 'ok');
        if (recovered) logger.info({ enricher: name, location: st.loc.id }, `${name}: context fetch recovered`);
      } catch (error) {
        if (closed) return;
        const err = sanitize(error, name, secrets);
        const reason = failureReason(err);
        const changed = st.lastFailure !== reason;
        st.lastFailure = reason;
        attach(st, true);
        delay = Math.min(opts.intervalMs, RETRY_AFTER_FAILURE_MS);
        if (err.retryAfterMs !== undefined) delay = Math.max(delay, err.retryAfterMs);
        counters.fetch(startMetrics, reason);
        const fields = { enricher: name, location: st.loc.id, reason, err };
        const message = `${name}: context fetch failed (${reason}); next try in ${delay} ms`;
        if (changed) logger.warn(fields, message);
        else logger.debug(fields, message);
      } finally {
        st.inFlight = undefined;
        schedule(st, delay);
      }
    };
    st.inFlight = run();
    return st.inFlight;
  };

  const unavailable = (ctx: StageContext, reason: UnavailableReason): PolledAdded<N, C> => {
    counters.unavailable(ctx.metrics, reason);
    return NONE;
  };

  return {
    enrich: (event, ctx) => {
      if (!started) return unavailable(ctx, 'not_started');
      let id: string | undefined = firstId;
      if (hooks.locate !== undefined) {
        try {
          id = hooks.locate(event) ?? firstId;
        } catch (error) {
          // A faulty locate hook must not cost the event: it passes without context.
          report(toSdkError(error, ErrorCode.INTERNAL, name));
          id = undefined;
        }
      }
      const st = id === undefined ? undefined : states.get(id);
      if (st === undefined) return unavailable(ctx, 'unknown_location');
      if (st.attached === undefined || st.fetchedAt === undefined) return unavailable(ctx, st.lastFailure ?? 'pending');
      const now = clock();
      if (st.validUntil !== undefined && now >= st.validUntil) return unavailable(ctx, 'expired');
      if (now - st.fetchedAt > opts.maxStaleMs) return unavailable(ctx, st.lastFailure ?? 'expired');
      return st.attached;
    },
    start: async (ctx) => {
      if (started) return;
      started = true;
      logger = ctx.logger.child({ enricher: name });
      report = ctx.report;
      clock = hooks.now ?? ctx.now;
      registry ??= ctx.capability?.(registryCapability);
      startMetrics = ctx.metrics;
      // The first round is awaited for up to startWaitMs, so the first events have context without an
      // unreachable provider holding up the pipeline's start; the fetches go on in the background.
      const first = Promise.all([...states.values()].map((st) => poll(st))).catch(report);
      if (opts.startWaitMs <= 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, opts.startWaitMs);
        timer.unref?.();
      });
      await Promise.race([first, waited]);
      clearTimeout(timer);
    },
    close: async () => {
      closed = true;
      closing.abort(new SdkError(ErrorCode.ABORTED, `${name}: closed`));
      for (const st of states.values()) if (st.timer !== undefined) clearTimeout(st.timer);
      await Promise.all([...states.values()].map((st) => st.inFlight));
      breaker.shutdown();
    },
    refresh: async () => {
      await Promise.all([...states.values()].map((st) => poll(st)));
    },
    status: () =>
      [...states.values()].map((st) => ({
        location: st.loc.id,
        stale: st.lastFailure !== undefined && st.value !== undefined,
        breaker: breaker.state(),
        ...(st.fetchedAt === undefined ? {} : { fetchedAt: st.fetchedAt }),
        ...(st.lastFailure === undefined ? {} : { lastFailure: st.lastFailure }),
        ...(st.nextFetchAt === undefined || closed ? {} : { nextFetchAt: st.nextFetchAt }),
      })),
  };
}

// --- internal ---

const NONE = Object.freeze({});
/** `{ [name]: value }`, typed by the literal name (a computed key alone widens to `string`). */
function fieldOf<N extends string, V>(name: N, value: V): { readonly [K in N]?: V } {
  const out: { [K in N]?: V } = {};
  out[name] = value;
  return out;
}

function createCounterCache(enricher: string) {
  let forMetrics: Metrics | undefined;
  let unavailableCounter: ReturnType<Metrics['counter']> | undefined;
  let fetchCounter: ReturnType<Metrics['counter']> | undefined;
  const children = new Map<string, { inc: () => void }>();
  const bind = (metrics: Metrics) => {
    if (forMetrics === metrics) return;
    forMetrics = metrics;
    children.clear();
    unavailableCounter = metrics.counter(
      'context_unavailable_total',
      'Events that passed without a polled context, by reason',
      ['enricher', 'reason'],
    );
    fetchCounter = metrics.counter('context_fetches_total', 'Fetches of polled context, by outcome', [
      'enricher',
      'outcome',
    ]);
  };
  return {
    unavailable: (metrics: Metrics, reason: string) => {
      bind(metrics);
      const key = `u:${reason}`;
      let child = children.get(key);
      if (child === undefined && unavailableCounter !== undefined) {
        const created = unavailableCounter.labels({ enricher, reason });
        child = created;
        children.set(key, created);
      }
      child?.inc();
    },
    fetch: (metrics: Metrics | undefined, outcome: string) => {
      if (metrics === undefined) return;
      bind(metrics);
      fetchCounter?.inc({ enricher, outcome });
    },
  };
}

function sanitize(error: unknown, stage: string, secrets: readonly string[]): SdkError {
  if (error instanceof SdkError) {
    const message = redactSecrets(error.message, secrets);
    if (message === error.message) return error;
    return new SdkError(error.code, message, {
      stage,
      retryable: error.retryable,
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
      ...(error.data === undefined ? {} : { data: error.data }),
    });
  }
  const message = errorMessage(error);
  // Only hooks (select, validUntil) throw plain errors: the response did not fit what they expect.
  return new SdkError(ErrorCode.INTERNAL, `${stage}: ${redactSecrets(message, secrets)}`, {
    stage,
    data: { reason: 'invalid_response' },
  });
}
