import { createReportingGuard, ErrorCode, SdkError, type HaState } from '@ha-ingestor/core';
import type { SeedState } from '@ha-ingestor/enrichers';
import { connectHa, parseState, type HaConnection } from '@ha-ingestor/source-ws';

const STAGE = 'enricher:state-seed';
/** A seed that takes longer than this is given up: the enrichers start empty and fill from the stream. */
const SEED_TIMEOUT_MS = 5_000;

/** Options of {@link createStateSeed}. */
export interface StateSeedOptions {
  readonly url: string;
  readonly token: string;
  /** The only entities kept from HA's answer (the ones haWeather/haCalendar follow), so memory stays bounded. */
  readonly entityIds: readonly string[];
}

/**
 * The `initialState` hook of haWeather and haCalendar: HA's current state of their entities, read once at
 * start with one `get_states` over a short-lived connection of its own, so that `weather` and `calendar`
 * are there from the first event instead of after the entity's next change (met.no updates hourly). The
 * WebSocket source does not hand out its own `get_states` answer (see the enrichers README). A failure
 * rejects, which the enricher reports; it then starts empty.
 */
export function createStateSeed(
  options: StateSeedOptions,
): (entityId: string, signal: AbortSignal) => Promise<SeedState | undefined> {
  let states: Promise<ReadonlyMap<string, SeedState>> | undefined;
  return async (entityId, signal) => {
    // One round trip for every enricher that asks; kept (a handful of entities) for the process's life.
    states ??= readStates(options, signal);
    return (await states).get(entityId);
  };
}

// --- internal ---

async function readStates(options: StateSeedOptions, signal: AbortSignal): Promise<ReadonlyMap<string, SeedState>> {
  let current: HaConnection | undefined = undefined;
  const guard = createReportingGuard((error) => current?.terminate(error), STAGE);
  // One deadline for connect, auth and the answer: HA that accepts but never answers must not hold up start.
  const deadline = AbortSignal.any([signal, AbortSignal.timeout(SEED_TIMEOUT_MS)]);
  const onDeadline = guard('get_states deadline', () =>
    current?.terminate(
      new SdkError(ErrorCode.TIMEOUT, `${STAGE}: get_states took longer than ${SEED_TIMEOUT_MS} ms`, { stage: STAGE }),
    ),
  );
  const connection = await connectHa({
    url: options.url,
    token: options.token,
    connectTimeoutMs: SEED_TIMEOUT_MS,
    compression: false,
    guard,
    stage: STAGE,
    signal: deadline,
  });
  current = connection;
  deadline.addEventListener('abort', onDeadline, { once: true });
  if (deadline.aborted) onDeadline();
  try {
    const raw = await connection.command<unknown>('get_states');
    const wanted = new Set(options.entityIds);
    const out = new Map<string, SeedState>();
    for (const entry of Array.isArray(raw) ? raw : []) {
      const state: HaState | undefined = parseState(entry);
      if (state === undefined || !wanted.has(state.entity_id)) continue;
      out.set(state.entity_id, {
        state: state.state,
        attributes: state.attributes,
        last_updated: state.last_updated,
      });
    }
    return out;
  } finally {
    deadline.removeEventListener('abort', onDeadline);
    await connection.close();
  }
}
