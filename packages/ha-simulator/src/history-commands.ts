import type { Guard } from '@ha-ingestor/core';
import { CommandError, type Command, type SimConnection } from './connection.js';
import { eventMessage } from './commands.js';
import { parseIsoToMicros, secondsFromMicros } from './ha-time.js';
import { getSignificantStates, liveHistoryRow, SIGNIFICANT_DOMAINS, type HistoryQuery } from './history.js';
import type { SimulatedHome } from './home.js';
import type { ResolvedHaSimulatorOptions } from './options.js';
import type { Recorder } from './recorder.js';
import { isValidEntityId } from './state-machine.js';
import type { CommandSchema } from './command-schema.js';
import type { HistoryRow, StateChangedData } from './types.js';

/** What the history commands need. */
export interface HistoryDeps {
  readonly home: SimulatedHome;
  readonly recorder: Recorder;
  readonly options: ResolvedHaSimulatorOptions;
  readonly purge: () => void;
  /** Runs the history/stream timers (issue 11). */
  readonly guard: Guard;
}

const SCHEMA: CommandSchema = {
  start_time: { type: 'str', required: true },
  end_time: { type: 'str' },
  entity_ids: { type: 'list_of_str', required: true },
  include_start_time_state: { type: 'bool' },
  significant_changes_only: { type: 'bool' },
  minimal_response: { type: 'bool' },
  no_attributes: { type: 'bool' },
};

/** history/history_during_period and history/stream, served from the simulator's recorder. */
export function historyCommands(deps: HistoryDeps): Map<string, Command> {
  const { home, recorder } = deps;
  const nowMicros = (): number => home.clock.nowMs() * 1000;

  const parseParams = (msg: Readonly<Record<string, unknown>>): HistoryQuery & { entityIds: string[] } => {
    const start = parseHaDatetime(String(msg.start_time), deps.options.timeZone);
    if (start === undefined) throw new CommandError('invalid_start_time', 'Invalid start_time');
    let end: number | undefined;
    if (typeof msg.end_time === 'string' && msg.end_time !== '') {
      end = parseHaDatetime(msg.end_time, deps.options.timeZone);
      if (end === undefined) throw new CommandError('invalid_end_time', 'Invalid end_time');
    }
    const entityIds = (msg.entity_ids as string[]).map((e) => e.toLowerCase());
    for (const id of entityIds)
      if (!home.getState(id) && !isValidEntityId(id))
        throw new CommandError('invalid_entity_ids', 'Invalid entity_ids');
    return {
      startMicros: start,
      ...(end === undefined ? {} : { endMicros: end }),
      entityIds,
      includeStartTimeState: msg.include_start_time_state !== false,
      significantChangesOnly: msg.significant_changes_only !== false,
      minimalResponse: msg.minimal_response === true,
      noAttributes: msg.no_attributes === true,
    };
  };

  // helpers.entities_may_have_state_changes_after
  const mayHaveChangesAfter = (q: HistoryQuery): boolean =>
    q.entityIds.some((id) => {
      const s = home.machine.get(id);
      if (s === undefined) return true;
      return (q.noAttributes ? s.lastChanged : s.lastUpdated) > q.startMicros;
    });

  const during: Command = {
    schema: SCHEMA,
    handler: (conn, msg) => {
      deps.purge();
      const q = parseParams(msg);
      if (q.startMicros > nowMicros()) return conn.sendResult(msg.id, {});
      if (!q.includeStartTimeState && q.entityIds.length > 0 && !mayHaveChangesAfter(q))
        return conn.sendResult(msg.id, {});
      conn.sendResult(msg.id, getSignificantStates(recorder, q));
    },
  };

  const stream: Command = {
    schema: SCHEMA,
    handler: (conn, msg) => {
      deps.purge();
      const q = parseParams(msg);
      const now = nowMicros();
      if (q.startMicros > now) throw new CommandError('invalid_start_time', 'Invalid start_time');
      if (q.endMicros !== undefined && q.endMicros < q.startMicros)
        throw new CommandError('invalid_end_time', 'Invalid end_time');
      if (q.endMicros !== undefined && q.endMicros <= now) {
        if (!q.includeStartTimeState && !mayHaveChangesAfter(q)) {
          // _async_send_empty_response: no subscription is registered on this path.
          conn.sendResult(msg.id);
          sendBatch(conn, msg.id, {}, q.startMicros, q.endMicros);
          return;
        }
        conn.subscriptions.set(msg.id, () => undefined);
        conn.sendResult(msg.id);
        sendHistorical(conn, msg.id, q, q.endMicros, true);
        return;
      }
      startLiveStream(conn, msg.id, q);
    },
  };

  const sendBatch = (
    conn: SimConnection,
    id: number,
    states: Record<string, HistoryRow[]>,
    startMicros: number,
    endMicros: number,
  ): void =>
    conn.send(
      eventMessage(
        id,
        JSON.stringify({ states, start_time: secondsFromMicros(startMicros), end_time: secondsFromMicros(endMicros) }),
      ),
    );

  // _async_send_historical_states: end_time of the batch = newest row's lu, or the window end when empty.
  const sendHistorical = (
    conn: SimConnection,
    id: number,
    q: HistoryQuery,
    endMicros: number,
    sendEmpty: boolean,
  ): number | undefined => {
    const states = getSignificantStates(recorder, { ...q, endMicros });
    let last = 0;
    for (const rows of Object.values(states)) {
      const lu = rows.at(-1)?.lu ?? 0;
      if (lu > last) last = lu;
    }
    if (last === 0 && !sendEmpty) return undefined;
    const lastMicros = last === 0 ? endMicros : Math.round(last * 1_000_000);
    sendBatch(conn, id, states, q.startMicros, lastMicros);
    return last === 0 ? undefined : lastMicros;
  };

  const startLiveStream = (conn: SimConnection, id: number, q: HistoryQuery): void => {
    const wanted = new Set(q.entityIds);
    let buffer: StateChangedData[] = [];
    let timer: NodeJS.Timeout | undefined;
    let endTimer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      const states: Record<string, HistoryRow[]> = {};
      for (const d of buffer) {
        const s = d.new_state;
        if (s === null) continue;
        const rec = {
          state: s.state,
          attributes: s.attributes,
          lastChanged: parseIsoToMicros(s.last_changed) ?? 0,
          lastUpdated: parseIsoToMicros(s.last_updated) ?? 0,
        };
        (states[s.entity_id] ??= []).push(liveHistoryRow(rec, s.entity_id, q.noAttributes));
      }
      buffer = [];
      if (Object.keys(states).length > 0) conn.send(eventMessage(id, JSON.stringify({ states })));
    };
    const unlisten = home.bus.listen('state_changed', (e) => {
      const d = e.event.data as StateChangedData;
      if (!wanted.has(d.entity_id) || d.new_state === null || d.old_state === null) return;
      const domain = d.entity_id.slice(0, d.entity_id.indexOf('.'));
      if (
        (q.significantChangesOnly || q.minimalResponse) &&
        d.new_state.state === d.old_state.state &&
        !SIGNIFICANT_DOMAINS.has(domain)
      )
        return;
      buffer.push(d);
      if (buffer.length > 2048) return unsub(); // MAX_PENDING_HISTORY_STATES
      timer ??= setTimeout(deps.guard('history stream flush', flush), deps.options.streamCoalesceMs);
    });
    const unsub = (): void => {
      unlisten();
      if (timer !== undefined) clearTimeout(timer);
      if (endTimer !== undefined) clearTimeout(endTimer);
      timer = undefined;
      endTimer = undefined;
    };
    if (q.endMicros !== undefined)
      endTimer = setTimeout(
        deps.guard('history stream end', unsub),
        Math.max(0, q.endMicros / 1000 - home.clock.nowMs()),
      );
    const setupComplete = nowMicros();
    conn.subscriptions.set(id, unsub);
    conn.sendResult(id);
    const last = sendHistorical(conn, id, q, setupComplete, true);
    // The recorder here is synchronous, so the catch-up query finds nothing new; HA still sends it
    // (empty) when the first batch was empty.
    sendHistorical(
      conn,
      id,
      { ...q, startMicros: last ?? q.startMicros, includeStartTimeState: false },
      setupComplete,
      last === undefined,
    );
  };

  return new Map([
    ['history/history_during_period', during],
    ['history/stream', stream],
  ]);
}

/** `dt_util.parse_datetime` + `as_utc`: naive times are in HA's configured time zone. */
export function parseHaDatetime(text: string, timeZone: string): number | undefined {
  const hasOffset = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(text.trim()) && /[T ]\d{2}:\d{2}/.test(text);
  const micros = parseIsoToMicros(text);
  if (micros === undefined || hasOffset) return micros;
  const localMs = Math.floor(micros / 1000);
  const guess = localMs - zoneOffsetMs(localMs, timeZone);
  return (localMs - zoneOffsetMs(guess, timeZone)) * 1000 + (micros % 1000);
}

// --- internal ---

function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(utcMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? '0');
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}
