/** Messages between the bench (parent: simulator + discard endpoint) and an ingestor child process. */
import type { CpuSplit } from '../cpu-split.js';

export type IngestorMode = 'ours' | 'floor' | 'peer-hajs' | 'edge-nats' | 'writer-nats';

/** Where the NATS modes publish to / consume from (issue 16, scale-out scenario). */
export interface NatsTarget {
  readonly url: string;
  readonly stream: string;
  readonly subjectPrefix: string;
  /** Durable consumer of the writer mode (writers with the same name share the backlog). */
  readonly consumer: string;
}

export interface IngestorSettings {
  /** ws permessage-deflate offered by the client. */
  readonly compression: boolean;
  /** Gzip request bodies (ours: the sink's option; the floor never gzips). */
  readonly gzip: boolean;
  readonly batchSize: number;
  readonly batchMaxWaitMs: number;
  /**
   * How long a batch lingers while the sink is free (core's `batch.lingerMs`); unset = core's default (20 ms).
   * Set to `batchMaxWaitMs` for the fixed timer of before issue 14.
   */
  readonly batchLingerMs?: number;
  /** Strict zod validation in our pipeline. */
  readonly strict: boolean;
  /** Ours: source-ws `emitBatchSize` (events per emitBatch); unset = the source's default. */
  readonly emitBatchSize?: number;
  /** NATS modes only. */
  readonly nats?: NatsTarget;
  /**
   * Issue 14: record a V8 CPU profile of the measured window in the child and report where its main thread went
   * (`bench/cpu-split.ts`). Costs a few per cent of CPU: not set in the runs whose CPU figures are reported.
   */
  readonly cpuSplit?: boolean;
}

export type ToChild =
  | {
      readonly cmd: 'init';
      readonly mode: IngestorMode;
      readonly url: string;
      readonly token: string;
      readonly sinkUrl: string;
      readonly settings: IngestorSettings;
    }
  | { readonly cmd: 'mark' }
  | { readonly cmd: 'measure' }
  | { readonly cmd: 'exit' };

/** What the child measured between `mark` and `measure`, about itself only. */
export interface ChildMeasurement {
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly handled: number;
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly latencySamples: number;
  readonly rssMaxMb: number;
  readonly rssEndMb: number;
  readonly heapUsedMb: number;
  /** Heap used after a full GC (children run with --expose-gc), i.e. what the ingestor retains. */
  readonly heapAfterGcMb: number;
  /** Implementation notes (which sink was used, …). */
  readonly notes: readonly string[];
  /**
   * Issue 14: V8 GC pauses in the measured window (`perf_hooks` 'gc' entries, main-thread time): count, sum and
   * longest per kind (scavenge = minor, mark-compact = major, incremental / weak callbacks). Absent when the
   * runtime gives no gc entries.
   */
  readonly gcPauses?: Readonly<Record<string, { count: number; totalMs: number; maxMs: number; over5ms: number }>>;
  /**
   * Issue 14: where the RSS is at the end of the window (before the full GC): V8's heap spaces (resident bytes),
   * memory outside the heap that V8 knows of (`external`, array buffers included), and RSS beyond both (node and
   * its libraries, malloc arenas, thread stacks).
   */
  readonly memory?: MemoryBreakdown;
  /** With settings `cpuSplit`: the main thread's time per event by part of the work. */
  readonly cpuSplit?: CpuSplit;
}

/** {@link ChildMeasurement.memory}, MB. */
export interface MemoryBreakdown {
  readonly rssMb: number;
  /** Resident size of each V8 heap space (`physical_space_size`), by V8's space name. */
  readonly spacesMb: Readonly<Record<string, number>>;
  /** Of which live objects (`space_used_size`), summed over the spaces. */
  readonly heapUsedMb: number;
  readonly externalMb: number;
}

export type FromChild =
  | { readonly type: 'ready'; readonly notes: readonly string[] }
  | { readonly type: 'marked' }
  | { readonly type: 'progress'; readonly handled: number; readonly received: number }
  | { readonly type: 'measured'; readonly result: ChildMeasurement }
  | { readonly type: 'error'; readonly message: string };

/** A started ingestor as the child drives it. */
export interface RunningIngestor {
  /** Events fully handled (acknowledged by the sink, or dropped by design). */
  readonly handled: () => number;
  /** Events taken off the socket into the ingestor (ours: pipeline `received`); defaults to `handled`. */
  readonly received?: () => number;
  readonly stop: () => Promise<void>;
  readonly notes: readonly string[];
  /** Starts the work at `mark` (the NATS writer: its backlog drain is measured from the first pull). */
  readonly begin?: () => Promise<void>;
}

/** Records one HA time_fired (epoch ms) → sink acknowledgement latency. */
export type LatencySink = (timeFiredMs: number) => void;

export interface StartArgs {
  readonly url: string;
  readonly token: string;
  readonly sinkUrl: string;
  readonly settings: IngestorSettings;
  readonly onLatency: LatencySink;
}
