/** A compact, JSON-safe view of an event kept for the data API. */
export interface RecentEvent {
  readonly event_type: string;
  readonly entity_id?: string;
  readonly domain?: string;
  readonly state?: string | null;
  readonly time_fired: number;
  readonly key?: string;
  readonly source?: string;
  readonly mode?: string;
  readonly event: Readonly<Record<string, unknown>>;
}

/** Filters accepted by the data API. */
export interface RecentFilter {
  readonly entity_id?: string;
  readonly domain?: string;
  readonly event_type?: string;
}

/** Converts a pipeline event (unknown shape) into a RecentEvent; undefined when it is not an event. */
export function toRecent(value: unknown): RecentEvent | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const e = value as Record<string, unknown>;
  const eventType = e['event_type'];
  if (typeof eventType !== 'string') return undefined;
  const data = (typeof e['data'] === 'object' && e['data'] !== null ? e['data'] : {}) as Record<string, unknown>;
  const entityId =
    typeof e['entity_id'] === 'string'
      ? e['entity_id']
      : typeof data['entity_id'] === 'string'
        ? data['entity_id']
        : undefined;
  const domain =
    typeof e['domain'] === 'string'
      ? e['domain']
      : entityId?.includes('.')
        ? entityId.slice(0, entityId.indexOf('.'))
        : undefined;
  const provenance = (typeof e['provenance'] === 'object' && e['provenance'] !== null ? e['provenance'] : {}) as Record<
    string,
    unknown
  >;
  return {
    event_type: eventType,
    ...(entityId === undefined ? {} : { entity_id: entityId }),
    ...(domain === undefined ? {} : { domain }),
    ...(typeof e['state'] === 'string' || e['state'] === null ? { state: e['state'] as string | null } : {}),
    time_fired: typeof e['time_fired'] === 'number' ? e['time_fired'] : 0,
    ...(typeof e['key'] === 'string' ? { key: e['key'] } : {}),
    ...(typeof provenance['source'] === 'string' ? { source: provenance['source'] } : {}),
    ...(typeof provenance['mode'] === 'string' ? { mode: provenance['mode'] } : {}),
    event: e,
  };
}

/** True when the event passes the filter. */
export function matches(event: RecentEvent, filter: RecentFilter): boolean {
  return (
    (filter.entity_id === undefined || event.entity_id === filter.entity_id) &&
    (filter.domain === undefined || event.domain === filter.domain) &&
    (filter.event_type === undefined || event.event_type === filter.event_type)
  );
}

/**
 * A bounded ring of the most recent processed events plus hourly counters, for /api/v1/events/recent,
 * /api/v1/stats and /api/v1/export. Memory is bounded by `capacity`.
 */
export class RecentEvents {
  private readonly items: (RecentEvent | undefined)[];
  private next = 0;
  private count = 0;
  private readonly hourly = new Map<number, number>();
  private total = 0;
  private lastEventAt: number | undefined;

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.items = new Array<RecentEvent | undefined>(capacity);
  }

  add(events: readonly unknown[]): RecentEvent[] {
    const added: RecentEvent[] = [];
    const hour = Math.floor(this.now() / 3_600_000);
    for (const value of events) {
      const event = toRecent(value);
      if (event === undefined) continue;
      this.items[this.next] = event;
      this.next = (this.next + 1) % this.capacity;
      this.count = Math.min(this.count + 1, this.capacity);
      added.push(event);
    }
    if (added.length > 0) {
      this.total += added.length;
      this.lastEventAt = this.now();
      this.hourly.set(hour, (this.hourly.get(hour) ?? 0) + added.length);
      for (const h of this.hourly.keys()) if (h < hour - 48) this.hourly.delete(h);
    }
    return added;
  }

  /** Newest first, filtered, at most `limit`. */
  list(filter: RecentFilter, limit: number): RecentEvent[] {
    const out: RecentEvent[] = [];
    for (let i = 1; i <= this.count && out.length < limit; i++) {
      const item = this.items[(this.next - i + this.capacity) % this.capacity];
      if (item !== undefined && matches(item, filter)) out.push(item);
    }
    return out;
  }

  stats(): { total: number; lastHour: number; today: number; lastEventAt: number | undefined } {
    const now = this.now();
    const hour = Math.floor(now / 3_600_000);
    const dayStart = Math.floor(now / 86_400_000) * 24;
    let today = 0;
    for (const [h, n] of this.hourly) if (h >= dayStart) today += n;
    return { total: this.total, lastHour: this.hourly.get(hour) ?? 0, today, lastEventAt: this.lastEventAt };
  }
}
