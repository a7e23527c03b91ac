import type { Ack, Logger, SourceContext, StateChangedEvent } from '@ha-ingestor/core';
import { ErrorCode, toSdkError } from '@ha-ingestor/core';
import type { AckEntry } from './ack-window.js';
import type { MqttMessage, SettledResult } from './parser.js';
import { rawPayload } from './payload.js';
import type { SourceMetrics } from './source-metrics.js';

/** What {@link createSettle} needs from the running source. */
export interface SettleDeps {
  readonly ctx: SourceContext<StateChangedEvent>;
  readonly logger: Logger;
  readonly metrics: SourceMetrics;
  /** Ack-window entries of the messages received on the current connection, by message sequence id. */
  readonly entries: Map<number, AckEntry>;
  readonly stage: string;
}

/**
 * Makes the source's `settle`: what became of messages decides their acknowledgement. `ignored` and
 * `invalid` (dead-lettered with the payload and topic, counted by reason) are acknowledged at once;
 * `events` go to the pipeline and are acknowledged when it reports them handled. It never throws: if
 * anything in it does (a metric, the dead-letter writer, emitBatch's synchronous part), the error is
 * reported and the messages are dead-lettered as `callback_failed` and acknowledged — an unacknowledged
 * message would come back after a restart into the same failure (issue 11). The promise resolves when the
 * pipeline accepted the events, or rejects when it would not (the messages then stay unacknowledged and
 * are redelivered, as for any write that did not happen).
 */
export function createSettle(
  deps: SettleDeps,
): (messages: readonly MqttMessage[], result: SettledResult) => Promise<void> {
  const { ctx, metrics, stage } = deps;

  const deadLetter = (messages: readonly MqttMessage[], reason: string, message: string) => {
    for (const m of messages) {
      metrics.invalid.inc({ reason });
      ctx.deadLetter({
        stage,
        reason,
        message,
        raw: rawPayload(m.payload),
        data: { topic: m.topic, qos: m.qos, retain: m.retain },
      });
    }
    deps.logger.debug({ topic: messages[0]?.topic, reason }, 'mqtt message dead-lettered');
  };

  const deliver = (
    messages: readonly MqttMessage[],
    result: SettledResult,
    acks: readonly (AckEntry | undefined)[],
  ): Promise<void> => {
    const handled = () => {
      for (const a of acks) a?.handled();
    };
    if (result.kind === 'ignored') {
      metrics.ignored.inc({ reason: result.reason }, messages.length);
      handled();
      return Promise.resolve();
    }
    if (result.kind === 'invalid') {
      deadLetter(messages, result.reason, result.message);
      handled();
      return Promise.resolve();
    }
    const ack: Ack = {
      onHandled: () => {
        // The parser's commit (replay memory) must not keep the PUBACK from going out.
        try {
          result.onHandled?.();
        } catch (error) {
          ctx.report(toSdkError(error, ErrorCode.INTERNAL, stage));
        }
        handled();
      },
      onFailed: (error) => {
        for (const a of acks) a?.failed(error);
      },
    };
    return ctx.emitBatch(result.events, ack);
  };

  return (messages, result) => {
    // Taken out first: a message is settled once, whichever path gets to it first.
    const acks = messages.map((m) => {
      const entry = deps.entries.get(m.id);
      deps.entries.delete(m.id);
      return entry;
    });
    try {
      return deliver(messages, result, acks);
    } catch (thrown) {
      const error = toSdkError(thrown, ErrorCode.INTERNAL, stage);
      ctx.report(error);
      try {
        deadLetter(messages, 'callback_failed', `settling ${result.kind} failed: ${error.message}`);
      } catch (again) {
        ctx.report(toSdkError(again, ErrorCode.INTERNAL, stage));
      }
      // Acknowledged even so: the failure is ours, and redelivery would only repeat it.
      for (const a of acks) a?.handled();
      return Promise.resolve();
    }
  };
}
