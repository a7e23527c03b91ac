import { createMetrics } from '@ha-ingestor/core';
import type {
  DeadLetterInput,
  Drop,
  Enricher,
  Logger,
  Metrics,
  StageContext,
  StateChangedEvent,
} from '@ha-ingestor/core';

/** A log line captured by {@link testContext}. */
export interface CapturedLog {
  readonly level: string;
  readonly obj: unknown;
  readonly msg: string | undefined;
}

/** A StageContext for unit tests: captures logs, reports and dead letters; fresh metrics. */
export function testContext(options: { now?: () => number; metrics?: Metrics } = {}) {
  const logs: CapturedLog[] = [];
  const reports: unknown[] = [];
  const deadLetters: DeadLetterInput[] = [];
  const controller = new AbortController();
  const logger = captureLogger(logs);
  const ctx: StageContext = {
    signal: controller.signal,
    logger,
    now: options.now ?? (() => Date.now()),
    metrics: options.metrics ?? createMetrics(),
    deadLetter: (entry) => deadLetters.push(entry),
    report: (error) => reports.push(error),
  };
  return { ctx, logs, reports, deadLetters, controller };
}

/** Text of everything a test context captured, for "never leaks" assertions. */
export async function capturedText(t: ReturnType<typeof testContext>): Promise<string> {
  const parts = [
    ...t.logs.map((l) => `${l.level} ${l.msg ?? ''} ${JSON.stringify(l.obj)}`),
    ...t.reports.map((r) => (r instanceof Error ? `${r.message} ${JSON.stringify(r)}` : String(r))),
    await t.ctx.metrics.registry.metrics(),
  ];
  return parts.join('\n');
}

/** Reads one counter value (0 when absent) from a Metrics registry. */
export async function counterValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  const hit = data.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return hit?.value ?? 0;
}

/** A state_changed event with sensible defaults; `time` is epoch ms. */
export function stateEvent(
  entityId: string,
  state: string | null,
  attributes: Record<string, unknown> = {},
  time = Date.UTC(2026, 0, 15, 12, 0, 0),
): StateChangedEvent {
  const [domain = '', objectId = ''] = entityId.split('.');
  const micros = time * 1000;
  return {
    event_type: 'state_changed',
    entity_id: entityId,
    domain,
    object_id: objectId,
    state,
    attributes,
    last_changed: micros,
    last_updated: micros,
    time_fired: micros,
    old_state: null,
    context: { id: `ctx-${entityId}-${time}`, parent_id: null, user_id: null },
    provenance: { source: 'test', mode: 'live', receivedAt: micros },
    key: `${entityId}@${micros}`,
  };
}

// --- internal ---

function captureLogger(logs: CapturedLog[], bindings: Record<string, unknown> = {}): Logger {
  const make =
    (level: string) =>
    (objOrMsg: Readonly<Record<string, unknown>> | string, msg?: string): void => {
      if (typeof objOrMsg === 'string') logs.push({ level, obj: bindings, msg: objOrMsg });
      else logs.push({ level, obj: { ...bindings, ...serialise(objOrMsg) }, msg });
    };
  return {
    trace: make('trace'),
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    child: (extra) => captureLogger(logs, { ...bindings, ...extra }),
  };
}

function serialise(obj: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) {
    out[k] =
      v instanceof Error
        ? {
            message: v.message,
            cause: String(v.cause),
            ...(typeof (v as { toJSON?: unknown }).toJSON === 'function'
              ? (v as unknown as { toJSON: () => object }).toJSON()
              : {}),
          }
        : v;
  }
  return out;
}

/** Calls a synchronous enricher and returns its result (fails the test if it returned a Promise). */
export function enrichSync<In, A extends object>(enricher: Enricher<In, A>, event: In, ctx: StageContext): A | Drop {
  const result = enricher.enrich(event, ctx);
  if (result instanceof Promise) throw new Error(`${enricher.name} is expected to be synchronous`);
  return result;
}
