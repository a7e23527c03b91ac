import type { Needs, Provided } from './capability.js';
import type { Enricher } from './enricher.js';
import type { Sink } from './sink.js';
import type { Source } from './source.js';

/**
 * The one documented `any` alias of the SDK (trpc's `Any*` idea): the runtime stores heterogeneous
 * components whose generics were already checked by the builder.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyComponentEvent = any;
/** A stored enricher of any event type. */
export type AnyEnricher = Enricher<AnyComponentEvent, object, Needs>;
/** A stored sink of any event type. */
export type AnySink = Sink<AnyComponentEvent>;
/** A stored source of any event type. */
export type AnySource = Source<AnyComponentEvent, Provided>;
