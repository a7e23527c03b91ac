import type { Provided, Source, SourceContext } from '@ha-ingestor/core';

/** The event shape {@link withHome} stamps: anything with a provenance. */
interface WithProvenance {
  readonly provenance: { readonly home?: string };
}

/**
 * Issue 16: the source, with `provenance.home = home` on every event it emits (HOME_ID). Done at the source
 * so every stage sees it: dedupe keys, the recent-events API, the file sink and the InfluxDB home tag. The
 * event and its provenance are copied (two small objects per event; the source's own objects stay as they
 * were, a source may share one provenance between events).
 */
export function withHome<E extends WithProvenance, P extends Provided>(
  source: Source<E, P>,
  home: string,
): Source<E, P> {
  const stamp = (event: E): E => ({ ...event, provenance: { ...event.provenance, home } });
  return {
    ...source,
    run: (ctx: SourceContext<E>) =>
      source.run({
        ...ctx,
        emit: (event, ack) => ctx.emit(stamp(event), ack),
        emitBatch: (events, ack) => ctx.emitBatch(events.map(stamp), ack),
      }),
  };
}
