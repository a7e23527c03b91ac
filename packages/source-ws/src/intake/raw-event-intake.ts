import { isStateChanged, millisToMicros } from '@ha-ingestor/core';
import type { HaEvent, SourceContext } from '@ha-ingestor/core';
import type { HaConnection } from '../connection/connection.js';
import { normaliseEvent } from '../connection/protocol.js';
import type { EntityScope } from '../recovery/entity-scope.js';
import { registryOfEvent } from '../registry-sync.js';
import type { RegistrySync } from '../registry-sync.js';
import type { InboundBuffer } from './inbound-buffer.js';

/** What the raw-event intake needs (a source run has all of it). */
export interface RawEventIntakeDeps {
  readonly sourceName: string;
  readonly stage: string;
  readonly ctx: Pick<SourceContext<HaEvent>, 'now' | 'deadLetter'>;
  readonly buffer: InboundBuffer;
  /** Entities seen live, for the backfill scope. */
  readonly scope: EntityScope;
  readonly registrySync: RegistrySync | undefined;
}

/**
 * Takes one raw event of a live subscription: normalises it (a malformed one goes to the dead-letter
 * file), pushes it into the inbound buffer, notes its entity for the backfill scope, and tells registry
 * sync about registry changes. Runs in the socket's message handler, so it only ever buffers: waiting for
 * the pipeline is the delivery loop's job, and a slow pipeline never stops the socket being read.
 */
export function intakeRawEvent(deps: RawEventIntakeDeps, raw: unknown, connection: HaConnection): void {
  const { ctx, stage } = deps;
  const normalised = normaliseEvent(raw, {
    source: deps.sourceName,
    mode: 'live',
    receivedAt: millisToMicros(ctx.now()),
  });
  if (!normalised.ok) {
    ctx.deadLetter({ stage, reason: normalised.reason, message: normalised.message, raw });
    return;
  }
  deps.buffer.push(normalised.event);
  if (isStateChanged(normalised.event))
    deps.scope.seen(normalised.event.entity_id, normalised.event.time_fired, normalised.event.state === null);
  if (deps.registrySync !== undefined && registryOfEvent(normalised.event.event_type) !== undefined) {
    deps.registrySync.onEvent(normalised.event.event_type, connection);
  }
}
