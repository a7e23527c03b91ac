import type { AckGroup } from '../runtime/ack.js';
import type { StageContext } from '../component/context.js';

/** Events moving through the stages together, with their ack groups (parallel arrays, compacted in place). */
export interface StageBatch {
  readonly events: unknown[];
  readonly groups: AckGroup[];
}

/** What a stage may do besides transforming the batch. */
export interface StageEnv {
  readonly ctx: StageContext;
  /** An event left the pipeline on purpose (filtered, duplicate, invalid, …): counted, and handled. */
  readonly drop: (group: AckGroup, reason: string) => void;
}

/** One compiled stage: synchronous stages return void, so a sync chain awaits nothing per event. */
export interface StageRunner {
  readonly name: string;
  readonly run: (batch: StageBatch, env: StageEnv) => void | Promise<void>;
}
