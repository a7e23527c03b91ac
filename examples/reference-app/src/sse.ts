import type { Guard, Metrics } from '@ha-ingestor/core';
import { matches, type RecentEvent, type RecentFilter } from './recent.js';

/** What the hub needs of a response: a ServerResponse fits, and so does a test double. */
export interface SseResponse {
  write(chunk: string): boolean;
  readonly writableLength: number;
  on(event: 'drain' | 'close', listener: () => void): unknown;
  destroy(): unknown;
  end(): unknown;
}

/** Options of {@link createSseHub}. */
export interface SseHubOptions {
  /** Clients at most; the next one is refused (the route answers 503). */
  readonly maxClients: number;
  /** A client whose unsent bytes would pass this is dropped. */
  readonly maxBufferedBytes: number;
  /** Period of the `: ping` comment that keeps proxies from closing idle streams and finds dead peers. */
  readonly heartbeatMs: number;
  readonly metrics: Metrics;
  readonly guard: Guard;
  /** Told about each dropped client (for a log line). */
  readonly onDrop?: (info: { reason: 'slow_client'; bufferedBytes: number; events: number }) => void;
}

/** The hub's bookkeeping, for /api/v1/stats and tests. */
export interface SseStats {
  readonly clients: number;
  /** Unsent bytes now, summed over clients (kernel buffers excluded). */
  readonly bufferedBytes: number;
  /** The most unsent bytes any one client ever had: stays near maxBufferedBytes by construction. */
  readonly peakClientBufferedBytes: number;
  readonly refused: number;
  readonly dropped: number;
  readonly eventsDropped: number;
}

/** Fan-out of processed events to Server-Sent Events clients, bounded per client and in count. */
export interface SseHub {
  /**
   * Registers a client: false when the hub is full (nothing was written or kept; answer 503). Otherwise
   * `open` runs first (write the response headers there), then the hub writes `: connected`.
   */
  readonly accept: (res: SseResponse, filter: RecentFilter, open?: () => void) => boolean;
  readonly broadcast: (events: readonly RecentEvent[]) => void;
  readonly stats: () => SseStats;
  /** Ends every stream and stops the heartbeat. */
  readonly close: () => void;
}

/**
 * Creates the SSE hub. Issue 11: 200 clients that never read grew RSS from 221 MB to 1.37 GB in a minute,
 * because every event was written to every socket regardless of `write()` returning false. Now the
 * client count is capped (the route answers 503 past it); after a `false` the hub stops writing to that
 * client and queues until `drain`, and a client whose unsent bytes (Node's buffer plus the queue) would
 * pass `maxBufferedBytes` is dropped — it can reconnect and resume from /api/v1/events/recent. Drops are
 * counted by reason in `ha_ingestor_http_sse_*` metrics.
 */
export function createSseHub(options: SseHubOptions): SseHub {
  const clients = new Set<Client>();
  const connected = options.metrics.gauge('http_sse_clients', 'Server-Sent Events clients connected');
  const droppedClients = options.metrics.counter(
    'http_sse_clients_dropped_total',
    'SSE clients refused (over_capacity) or disconnected (slow_client)',
    ['reason'],
  );
  const droppedEvents = options.metrics.counter(
    'http_sse_events_dropped_total',
    'Events not delivered to an SSE client, by reason',
    ['reason'],
  );
  const counts = { refused: 0, dropped: 0, eventsDropped: 0, peak: 0 };
  const heartbeat = setInterval(
    options.guard('sse heartbeat', () => {
      for (const client of clients) if (client.pending.length === 0 && !client.congested) send(client, ': ping\n\n', 0);
    }),
    options.heartbeatMs,
  );
  heartbeat.unref();

  function send(client: Client, chunk: string, events: number): void {
    if (client.gone) return;
    const bytes = Buffer.byteLength(chunk);
    const buffered = client.res.writableLength + client.pendingBytes;
    // One chunk always fits an empty buffer, so an event bigger than the bound still reaches a reader.
    if (buffered > 0 && buffered + bytes > options.maxBufferedBytes) {
      drop(client, buffered, events + client.pendingEvents);
      return;
    }
    if (client.congested) {
      client.pending.push({ chunk, bytes, events });
      client.pendingBytes += bytes;
      client.pendingEvents += events;
    } else if (!client.res.write(chunk)) {
      client.congested = true;
    }
    counts.peak = Math.max(counts.peak, client.res.writableLength + client.pendingBytes);
  }

  function drain(client: Client): void {
    client.congested = false;
    while (client.pending.length > 0 && !client.congested && !client.gone) {
      const next = client.pending.shift() as Pending;
      client.pendingBytes -= next.bytes;
      client.pendingEvents -= next.events;
      client.congested = !client.res.write(next.chunk);
    }
  }

  function forget(client: Client): void {
    if (client.gone) return;
    client.gone = true;
    client.pending.length = 0;
    client.pendingBytes = 0;
    client.pendingEvents = 0;
    clients.delete(client);
    connected.set(clients.size);
  }

  function drop(client: Client, bufferedBytes: number, events: number): void {
    forget(client); // before destroy(): its 'close' must find the client gone
    counts.dropped++;
    counts.eventsDropped += events;
    droppedClients.inc({ reason: 'slow_client' });
    droppedEvents.inc({ reason: 'slow_client' }, events);
    options.onDrop?.({ reason: 'slow_client', bufferedBytes, events });
    client.res.destroy(); // frees Node's buffer now; a graceful end() would wait for the reader
  }

  return {
    accept: (res, filter, open) => {
      if (clients.size >= options.maxClients) {
        counts.refused++;
        droppedClients.inc({ reason: 'over_capacity' });
        return false;
      }
      open?.();
      const client: Client = {
        res,
        filter,
        pending: [],
        pendingBytes: 0,
        pendingEvents: 0,
        congested: false,
        gone: false,
      };
      clients.add(client);
      connected.set(clients.size);
      res.on(
        'drain',
        options.guard('sse drain', () => drain(client)),
      );
      res.on(
        'close',
        options.guard('sse close', () => forget(client)),
      );
      send(client, ': connected\n\n', 0);
      return true;
    },
    broadcast: (events) => {
      if (clients.size === 0) return;
      const frames = new Map<RecentEvent, string | null>();
      for (const client of clients) {
        let chunk = '';
        let n = 0;
        for (const event of events) {
          if (!matches(event, client.filter)) continue;
          let frame = frames.get(event);
          if (frame === undefined) {
            frames.set(event, (frame = toFrame(event)));
            if (frame === null) droppedEvents.inc({ reason: 'unserialisable' });
          }
          if (frame === null) continue;
          chunk += frame;
          n++;
        }
        if (n > 0) send(client, chunk, n);
      }
    },
    stats: () => {
      let bufferedBytes = 0;
      for (const client of clients) bufferedBytes += client.res.writableLength + client.pendingBytes;
      return {
        clients: clients.size,
        bufferedBytes,
        peakClientBufferedBytes: counts.peak,
        refused: counts.refused,
        dropped: counts.dropped,
        eventsDropped: counts.eventsDropped,
      };
    },
    close: () => {
      clearInterval(heartbeat);
      for (const client of [...clients]) {
        forget(client);
        client.res.end();
      }
    },
  };
}

// --- internal ---

interface Pending {
  readonly chunk: string;
  readonly bytes: number;
  readonly events: number;
}

interface Client {
  readonly res: SseResponse;
  readonly filter: RecentFilter;
  readonly pending: Pending[];
  pendingBytes: number;
  pendingEvents: number;
  congested: boolean;
  gone: boolean;
}

/**
 * One SSE frame. The event name comes from outside (HA, MQTT): a CR or LF in it would end the field and
 * let the rest forge a `data:` line, so line breaks become spaces; `data` is JSON, which has none.
 * Null when the event cannot be serialised (it is skipped, never thrown into the pipeline's emit).
 */
function toFrame(event: RecentEvent): string | null {
  let data: string;
  try {
    data = JSON.stringify(event.event);
  } catch {
    return null;
  }
  return `event: ${event.event_type.replace(/[\r\n]/g, ' ')}\ndata: ${data}\n\n`;
}
