/**
 * Test support for the runtime's own unit tests (not exported from the package): a source driven by the
 * test, sinks whose writes the test settles, an ack recorder, and an in-memory outbox fake.
 */
import { vi } from 'vitest';
import type { Ack } from '../src/component/context.js';
import type { Logger } from '../src/observability/logger.js';
import { ErrorCode, SdkError } from '../src/model/errors.js';
import type { OpenOutboxOptions, Outbox, OutboxEntry } from '../src/outbox/outbox.js';
import type { Sink, SinkWriteResult } from '../src/component/sink.js';
import type { Source, SourceContext } from '../src/component/source.js';

/** A source that exposes its context; `run` resolves when the pipeline aborts it. */
export function manualSource<E>(name = 'manual'): {
  source: Source<E>;
  ctx: () => SourceContext<E>;
  started: Promise<void>;
} {
  let ctx: SourceContext<E> | undefined;
  let markStarted: () => void = () => undefined;
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const source: Source<E> = {
    kind: 'source',
    name,
    run: (c) => {
      ctx = c;
      markStarted();
      return new Promise<void>((resolve) => {
        if (c.signal.aborted) resolve();
        c.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    },
  };
  return {
    source,
    started,
    ctx: () => {
      if (ctx === undefined) throw new Error('source not started');
      return ctx;
    },
  };
}

/** A source that emits `events` with one ack each, then finishes. */
export function listSource<E>(events: readonly E[], ack?: (event: E) => Ack, name = 'list'): Source<E> {
  return {
    kind: 'source',
    name,
    run: async (ctx) => {
      for (const e of events) await ctx.emit(e, ack?.(e));
    },
  };
}

export interface WriteCall<E> {
  readonly batch: readonly E[];
  readonly resolve: (result?: SinkWriteResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A sink whose writes stay pending until the test resolves or rejects them; `log` records acceptances. */
export function manualSink<E = unknown>(
  name: string,
  log: string[] = [],
): { sink: Sink<E>; calls: WriteCall<E>[]; written: E[]; log: string[] } {
  const calls: WriteCall<E>[] = [];
  const written: E[] = [];
  const sink: Sink<E> = {
    kind: 'sink',
    name,
    write: (batch) =>
      new Promise<SinkWriteResult | void>((resolve, reject) => {
        calls.push({
          batch: [...batch],
          resolve: (result) => {
            written.push(...batch);
            log.push(`write:${name}:${batch.length}`);
            resolve(result);
          },
          reject,
        });
      }),
  };
  return { sink, calls, written, log };
}

/** A sink that accepts every batch at once, or runs `behaviour` per call. */
export function memorySink<E = unknown>(
  name = 'memory',
  behaviour?: (batch: readonly E[], call: number) => SinkWriteResult | void | Promise<SinkWriteResult | void>,
): { sink: Sink<E>; written: E[]; batches: E[][] } {
  const written: E[] = [];
  const batches: E[][] = [];
  let call = 0;
  const sink: Sink<E> = {
    kind: 'sink',
    name,
    write: async (batch) => {
      const result = await behaviour?.(batch, call++);
      batches.push([...batch]);
      const rejected = new Set((result?.rejected ?? []).map((r) => r.index));
      batch.forEach((e, i) => {
        if (!rejected.has(i)) written.push(e);
      });
      return result;
    },
  };
  return { sink, written, batches };
}

/** Records what happened to each ack. */
export function ackRecorder(log: string[] = []): {
  ack: (label: string) => Ack;
  handled: string[];
  failed: [string, SdkError][];
  log: string[];
} {
  const handled: string[] = [];
  const failed: [string, SdkError][] = [];
  return {
    handled,
    failed,
    log,
    ack: (label) => ({
      onHandled: () => {
        handled.push(label);
        log.push(`ack:${label}`);
      },
      onFailed: (error) => {
        failed.push([label, error]);
        log.push(`failed:${label}`);
      },
    }),
  };
}

/** An in-memory stand-in for the disk outbox (same contract), for delivery tests. */
export function memoryOutbox(): {
  open: (options: OpenOutboxOptions) => Promise<Outbox<unknown>>;
  entries: OutboxEntry<unknown>[];
  failAppend: (error?: SdkError) => void;
} {
  const entries: OutboxEntry<unknown>[] = [];
  let nextId = 1;
  let appendError: SdkError | undefined;
  const outbox: Outbox<unknown> = {
    append: async (records) => {
      if (appendError !== undefined) throw appendError;
      entries.push({ id: nextId++, records: [...records], appendedAt: 0 });
    },
    peek: async () => entries[0],
    ack: async (entry) => {
      if (entries[0]?.id !== entry.id) throw new SdkError(ErrorCode.INTERNAL, 'ack out of order');
      entries.shift();
    },
    bytes: () => entries.reduce((n, e) => n + JSON.stringify(e.records).length, 0),
    size: () => entries.reduce((n, e) => n + e.records.length, 0),
    oldestAppendedAt: () => entries[0]?.appendedAt,
    isFull: () => false,
    stopWaiting: () => undefined,
    close: async () => undefined,
  };
  return {
    open: async () => outbox,
    entries,
    failAppend: (error = new SdkError(ErrorCode.STORAGE_FAILED, 'disk full')) => {
      appendError = error;
    },
  };
}

/** One line logged through {@link recordingLogger}. */
export interface LoggedLine {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A logger that records every line (child bindings merged into the fields), for asserting what was logged. */
export function recordingLogger(): {
  logger: Logger;
  all: LoggedLine[];
  lines: (level: LoggedLine['level']) => LoggedLine[];
} {
  const all: LoggedLine[] = [];
  const make = (bindings: Readonly<Record<string, unknown>>): Logger => {
    const at =
      (level: LoggedLine['level']) =>
      (obj: Readonly<Record<string, unknown>> | string, msg?: string): void => {
        if (typeof obj === 'string') all.push({ level, msg: obj, fields: bindings });
        else all.push({ level, msg: msg ?? '', fields: { ...bindings, ...obj } });
      };
    return {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (extra) => make({ ...bindings, ...extra }),
    };
  };
  return { logger: make({}), all, lines: (level) => all.filter((l) => l.level === level) };
}

/** Lets queued microtasks and zero-delay fake timers run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await vi.advanceTimersByTimeAsync(0);
}

/** A `state_changed`-like test event. */
export function stateEvent(
  entity: string,
  t: number,
  state = 'on',
): { event_type: 'state_changed'; entity_id: string; state: string; time_fired: number; key: string } {
  return { event_type: 'state_changed', entity_id: entity, state, time_fired: t, key: `${entity}@${t}` };
}
