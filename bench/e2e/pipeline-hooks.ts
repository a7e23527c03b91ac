import type { Pipeline } from '@ha-ingestor/core';
import type { RunningIngestor, StartArgs } from './protocol.js';

/**
 * Starts a pipeline whose source is the HA WebSocket source and turns it into a {@link RunningIngestor}: latency
 * recorded on the pipeline's `written` event, started once the source is connected (30 s at most), handled =
 * written to `sinkName` + dropped by design. Shared by `ours` and the NATS edge, which differ only in the sink.
 */
export async function runLiveIngestor(
  built: Pipeline,
  args: StartArgs,
  sinkName: string,
  notes: readonly string[],
): Promise<RunningIngestor> {
  built.events.on('written', (_sink, events) => {
    for (const e of events as readonly { time_fired: number }[]) args.onLatency(e.time_fired / 1000);
  });
  const connected = new Promise<void>((resolve) => {
    built.events.on('source:status', (_name, status) => {
      if (status.connected) resolve();
    });
  });
  await built.start();
  await Promise.race([
    connected,
    new Promise((_r, reject) => setTimeout(() => reject(new Error('source did not connect in 30 s')), 30_000).unref()),
  ]);
  const handled = () => {
    const s = built.stats();
    let dropped = 0;
    for (const v of Object.values(s.dropped)) dropped += v;
    return (s.written[sinkName] ?? 0) + dropped;
  };
  return {
    handled,
    received: () => built.stats().received,
    notes,
    stop: () => built.stop().then(() => undefined),
  };
}
