import './app.css';
import { getJson, getToken, readEventStream, setToken, UnauthorizedError } from './api.js';
import { createRateChart } from './chart.js';
import { ago, badge, bytes, clock, duration, fillTable, h, num } from './dom.js';
import type { DashboardSnapshot, LiveEvent } from './types.js';

// The page: a snapshot (/api/v1/dashboard) every 2 s, one at a time, and recent events live over the
// existing SSE stream. Everything is re-rendered from data; nothing here holds more than MAX_EVENTS.

const SNAPSHOT_MS = 2000;
const MAX_EVENTS = 200;
const SHOWN_EVENTS = 25;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  version: $('version'),
  uptime: $('uptime'),
  live: $('live'),
  alert: $('alert'),
  totals: $('totals'),
  chart: $('chart'),
  sources: $<HTMLTableElement>('sources'),
  sinks: $<HTMLTableElement>('sinks'),
  events: $<HTMLTableElement>('events'),
  filter: $<HTMLInputElement>('entity-filter'),
  deadLetters: $<HTMLTableElement>('dead-letters'),
  config: $('config'),
  tokenButton: $<HTMLButtonElement>('token-button'),
  tokenDialog: $<HTMLDialogElement>('token-dialog'),
  tokenForm: $<HTMLFormElement>('token-form'),
  tokenInput: $<HTMLInputElement>('token-input'),
  tokenError: $('token-error'),
  tokenForget: $<HTMLButtonElement>('token-forget'),
};

const chart = createRateChart(ui.chart);
const events: LiveEvent[] = [];
let streamAbort: AbortController | undefined;
let snapshotTimer: number | undefined;
let lastSnapshot: DashboardSnapshot | undefined;

// --- token ---

function askForToken(message?: string): void {
  ui.tokenError.hidden = message === undefined;
  ui.tokenError.textContent = message ?? '';
  showAlert(message ?? 'This ingestor needs its API token.');
  if (!ui.tokenDialog.open) ui.tokenDialog.showModal();
  ui.tokenInput.focus();
}

ui.tokenForm.addEventListener('submit', () => {
  setToken(ui.tokenInput.value.trim() || undefined);
  ui.tokenInput.value = '';
  restart();
});
ui.tokenForget.addEventListener('click', () => {
  setToken(undefined);
  ui.tokenDialog.close();
  restart();
});
ui.tokenButton.addEventListener('click', () => askForToken());

function onFailure(error: unknown): void {
  if (error instanceof UnauthorizedError) {
    stop();
    askForToken(getToken() === undefined ? 'This ingestor needs its API token (401).' : 'Wrong token (401).');
    return;
  }
  if (error instanceof DOMException && error.name === 'AbortError') return;
  setLive('degraded', 'offline: retrying');
  showAlert(`Cannot reach the ingestor: ${error instanceof Error ? error.message : String(error)}`);
}

function showAlert(text: string | undefined): void {
  ui.alert.hidden = text === undefined;
  ui.alert.textContent = text ?? '';
}

function setLive(state: string, text: string): void {
  ui.live.className = `badge ${state}`;
  ui.live.textContent = text;
}

// --- snapshot ---

async function pollSnapshot(): Promise<void> {
  try {
    const snapshot = await getJson<DashboardSnapshot>('api/v1/dashboard');
    lastSnapshot = snapshot;
    showAlert(undefined);
    renderSnapshot(snapshot);
  } catch (error) {
    onFailure(error);
    if (error instanceof UnauthorizedError) return;
  }
  snapshotTimer = window.setTimeout(() => void pollSnapshot(), SNAPSHOT_MS);
}

function renderSnapshot(s: DashboardSnapshot): void {
  // When the data shown was taken (server clock): lets a reader, or a test, tell a fresh snapshot.
  document.body.dataset['snapshotAt'] = String(s.now);
  ui.version.textContent = `v${s.version}`;
  ui.uptime.textContent = `up ${duration(s.uptime_seconds * 1000)}`;
  const rate = s.events_per_second.at(-1) ?? 0;
  const cards: [string, string, string][] = [
    ['events/s', num(rate), 'rate'],
    ['received', num(s.totals.received), 'received'],
    ['written', num(s.totals.written), 'written'],
    ['deduplicated', num(s.totals.deduplicated), 'deduplicated'],
    ['filtered', num(s.totals.filtered), 'filtered'],
    ['dead-lettered', num(s.totals.dead_lettered), 'dead-lettered'],
    ['dropped', num(s.totals.dropped), 'dropped'],
    ['end-to-end lag', s.lag_ms === null ? '–' : duration(s.lag_ms), 'lag'],
  ];
  // Edge/writer (issue 16): the NATS link next to the totals.
  const nats = s.nats;
  if (nats !== undefined) {
    cards.push(['NATS', nats.connected ? (nats.server ?? 'connected') : 'disconnected', 'nats']);
    cards.push([nats.role === 'edge' ? 'awaiting PubAck' : 'unacknowledged', num(nats.pending_acks), 'nats-pending']);
    if (nats.stream_lag !== null) cards.push(['stream lag', num(nats.stream_lag), 'nats-lag']);
  }
  ui.totals.replaceChildren(
    ...cards.map(([label, value, key]) =>
      h(
        'div',
        {
          class: `card${(key === 'dropped' && s.totals.dropped > 0) || (key === 'nats' && nats?.connected === false) ? ' bad' : ''}`,
          'data-total': key,
        },
        h('dt', {}, label),
        h('dd', {}, value),
      ),
    ),
  );
  chart.update(s.events_per_second, s.rate_end);
  fillTable(
    ui.sources,
    ['source', 'state', 'reconnects', 'last event', 'backfill', 'detail'],
    s.sources.map((src) => [
      src.name,
      badge(
        src.connected ? 'ok' : src.status === 'down' ? 'down' : 'degraded',
        src.connected ? 'connected' : 'disconnected',
      ),
      num(src.reconnects),
      ago(src.last_event_at, s.now),
      src.backfilled === 0 ? '–' : `${num(src.backfilled)} replayed, newest ${ago(src.last_backfill_at, s.now)}`,
      src.message ?? '',
    ]),
    'no sources',
  );
  fillTable(
    ui.sinks,
    ['sink', 'state', 'breaker', 'last write', 'points/s', 'written', 'outbox', 'detail'],
    s.sinks.map((sink) => [
      sink.name,
      badge(sink.status),
      badge(sink.accepting_writes ? 'ok' : 'down', sink.accepting_writes ? 'closed' : 'open'),
      ago(sink.last_write_at, s.now),
      num(sink.points_per_second),
      num(sink.written),
      sink.outbox_bytes === 0
        ? 'empty'
        : `${bytes(sink.outbox_bytes)}, ${sink.outbox_since === null ? '' : duration(s.now - sink.outbox_since)} old`,
      sink.message ?? '',
    ]),
    'no sinks',
  );
  fillTable(
    ui.deadLetters,
    ['time', 'stage', 'reason', 'message'],
    s.dead_letters.map((d) => [d.time, d.stage, d.reason, d.message]),
    'none: nothing was dead-lettered',
  );
  const allUp = s.sources.every((src) => src.connected);
  const linkUp = nats === undefined || nats.connected;
  setLive(allUp && linkUp ? 'ok' : 'degraded', !allUp ? 'source disconnected' : linkUp ? 'live' : 'NATS disconnected');
}

// --- events ---

const BASE_FIELDS = new Set([
  'event_type',
  'entity_id',
  'domain',
  'object_id',
  'state',
  'old_state',
  'attributes',
  'last_changed',
  'last_updated',
  'last_reported',
  'context',
  'time_fired',
  'origin',
  'provenance',
  'key',
  'data',
]);

function addEvents(list: readonly unknown[]): void {
  for (const e of list) if (e !== null && typeof e === 'object') events.unshift(e as LiveEvent);
  events.length = Math.min(events.length, MAX_EVENTS);
  renderEvents();
}

function renderEvents(): void {
  const needle = ui.filter.value.trim().toLowerCase();
  const shown = events
    .filter((e) => needle === '' || (e.entity_id ?? '').toLowerCase().includes(needle))
    .slice(0, SHOWN_EVENTS);
  fillTable(
    ui.events,
    ['time', 'entity', 'state', 'type', 'source', 'enrichment'],
    shown.map((e) => [
      typeof e.time_fired === 'number' ? clock(e.time_fired / 1000) : '',
      e.entity_id ?? '',
      e.state === undefined || e.state === null ? '' : String(e.state),
      e.event_type ?? '',
      e.provenance?.source ?? '',
      enrichment(e),
    ]),
    needle === '' ? 'no events yet' : 'no recent event matches the filter',
  );
}

function enrichment(e: LiveEvent): HTMLElement {
  const fields = Object.entries(e).filter(([k, v]) => !BASE_FIELDS.has(k) && v !== undefined && v !== null);
  return h(
    'span',
    { class: 'chips' },
    ...fields.map(([k, v]) =>
      h('span', { class: 'chip' }, `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`),
    ),
  );
}

ui.filter.addEventListener('input', renderEvents);

async function streamEvents(signal: AbortSignal): Promise<void> {
  let delay = 1000;
  while (!signal.aborted) {
    try {
      const recent = await getJson<{ events: unknown[] }>(`api/v1/events/recent?limit=${MAX_EVENTS}`, signal);
      events.length = 0;
      addEvents(recent.events.slice().reverse());
      await readEventStream(
        'api/v1/events/stream',
        (data) => addEvents([data]),
        () => (delay = 1000),
        signal,
      );
    } catch (error) {
      if (signal.aborted) return;
      onFailure(error);
      if (error instanceof UnauthorizedError) return;
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 15_000);
  }
}

// --- lifecycle ---

function stop(): void {
  streamAbort?.abort();
  if (snapshotTimer !== undefined) window.clearTimeout(snapshotTimer);
  snapshotTimer = undefined;
}

function restart(): void {
  stop();
  showAlert(undefined);
  setLive('', 'connecting…');
  streamAbort = new AbortController();
  void pollSnapshot();
  void streamEvents(streamAbort.signal);
  void getJson<unknown>('api/v1/config').then(
    (config) => (ui.config.textContent = JSON.stringify(config, null, 2)),
    (error: unknown) => {
      if (!(error instanceof UnauthorizedError)) ui.config.textContent = String(error);
    },
  );
}

// Re-render relative times between snapshots ("5 s ago") without another request.
window.setInterval(() => {
  if (lastSnapshot !== undefined) renderSnapshot({ ...lastSnapshot });
}, 10_000);

restart();
