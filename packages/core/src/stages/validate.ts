import type { z } from 'zod';
import type { AckGroup } from '../runtime/ack.js';
import { ErrorCode, errorMessage } from '../model/errors.js';
import { MAX_EVENT_DEPTH, valueDepth } from '../json/parse.js';
import type { StageBatch, StageEnv, StageRunner } from './stage.js';

/**
 * The validate stage (trust boundary): each event is `safeParse`d; the parsed output replaces it. An invalid
 * event is dead-lettered with reason `invalid`, the zod issues and the raw input, counted as dropped
 * (`invalid`), and the batch goes on. An event nested deeper than {@link MAX_EVENT_DEPTH} is refused first
 * (reason `json_too_deep`): zod recurses for `z.json()`/`z.lazy()` schemas, and a stack overflow there would
 * say only "Maximum call stack size exceeded" (issue 11).
 */
export function validateStage(schema: z.ZodType): StageRunner {
  return {
    name: 'validate',
    run: (batch: StageBatch, env: StageEnv) => {
      const { events, groups } = batch;
      let w = 0;
      for (let i = 0; i < events.length; i++) {
        const event = events[i];
        const group = groups[i] as AckGroup;
        if (valueDepth(event, MAX_EVENT_DEPTH) > MAX_EVENT_DEPTH) {
          env.ctx.deadLetter({
            stage: 'validate',
            reason: 'json_too_deep',
            code: ErrorCode.EVENT_INVALID,
            message: `event nests deeper than ${MAX_EVENT_DEPTH} levels`,
            raw: event,
          });
          env.drop(group, 'json_too_deep');
          continue;
        }
        let result: z.ZodSafeParseResult<unknown>;
        try {
          result = schema.safeParse(event);
        } catch (error) {
          // e.g. an async refinement used with the sync parser: a schema bug, reported and dead-lettered.
          env.ctx.report(error);
          env.ctx.deadLetter({
            stage: 'validate',
            reason: 'invalid',
            code: ErrorCode.EVENT_INVALID,
            message: errorMessage(error),
            raw: event,
          });
          env.drop(group, 'invalid');
          continue;
        }
        if (!result.success) {
          const issues = result.error.issues.map((issue) => ({
            path: issue.path.map(String).join('.'),
            code: issue.code,
            message: issue.message,
          }));
          env.ctx.deadLetter({
            stage: 'validate',
            reason: 'invalid',
            code: ErrorCode.EVENT_INVALID,
            message: issues.map((x) => (x.path === '' ? x.message : `${x.path}: ${x.message}`)).join('; '),
            raw: event,
            data: { issues },
          });
          env.drop(group, 'invalid');
          continue;
        }
        events[w] = result.data;
        groups[w] = group;
        w++;
      }
      events.length = w;
      groups.length = w;
    },
  };
}
