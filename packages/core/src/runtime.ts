import type { AnySource, Pipeline, PipelineOptions, StageSpec } from './pipeline.js';
import { ErrorCode, SdkError } from './errors.js';

/** Input of {@link createRuntime}: what the builder collected. */
export interface RuntimeInput {
  readonly sources: readonly AnySource[];
  readonly stages: readonly StageSpec[];
  readonly options: PipelineOptions;
}

/** Builds the batch-oriented runtime. (Placeholder until the runtime lands.) */
export function createRuntime(_input: RuntimeInput): Pipeline {
  throw new SdkError(ErrorCode.INTERNAL, 'pipeline runtime not implemented yet');
}
