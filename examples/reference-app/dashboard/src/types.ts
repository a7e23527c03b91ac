// The shapes the page reads. The snapshot's types are the server's own (type-only import, erased by the
// bundler); the server's zod schema (src/dashboard-schema.ts) is the HTTP contract.

export type { DashboardSnapshot } from '../../src/dashboard-types.js';

/** A processed event as /api/v1/events/recent and the stream send it (enrichers add fields). */
export interface LiveEvent {
  readonly event_type?: string;
  readonly entity_id?: string;
  readonly state?: unknown;
  readonly time_fired?: number;
  readonly provenance?: { readonly source?: string; readonly mode?: string };
  readonly [field: string]: unknown;
}
