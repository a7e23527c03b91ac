import { createRegistryStore, defineSource, provide, registryCapability } from '@ha-ingestor/core';
import type { CheckpointStore, HaEvent, RegistryStore, SourceContext, SourceImpl } from '@ha-ingestor/core';
import type { CreateSocket } from './connection/connection.js';
import { HaWebSocketOptionsSchema } from './options.js';
import type { ResolvedHaWebSocketOptions } from './options.js';
import { connectLoop } from './run/connect-loop.js';
import { closeSourceRun, openSourceRun, throwIfFatal } from './run/source-run.js';

const SOURCE_NAME = 'ha-websocket';

/** Hooks of {@link haWebSocketSource} (code, not data: kept out of the options schema). */
export interface HaWebSocketHooks {
  /** Where the acknowledged-HA-time watermark is persisted; without it, only reconnect gaps are backfilled. */
  readonly checkpoints?: CheckpointStore | undefined;
  /**
   * Registry sync target; registries are fetched on connect and kept current when given. Without it the
   * source provides a store of its own to the pipeline (`registryCapability`), synced only when an enricher
   * consumes it (`registryEnricher()`, `timeContext()`, …).
   */
  readonly registry?: RegistryStore | undefined;
  /** Socket factory (proxies, tests). */
  readonly createSocket?: CreateSocket | undefined;
  /** Uniform [0,1) source for the backoff jitter. @default Math.random */
  readonly random?: (() => number) | undefined;
}

/** What {@link haWebSocketSource} provides to the rest of its pipeline. */
export interface HaWebSocketProvides {
  /** HA's registries and location config, kept in sync (the `registry` hook's store, or its own). */
  readonly registry: RegistryStore;
}

/**
 * Home Assistant WebSocket API source: auth, subscriptions, heartbeat, reconnect forever, checkpointed
 * backfill from HA's recorder, registry sync. Provides the registry to the pipeline's enrichers.
 *
 * @example
 * const source = haWebSocketSource(
 *   { url: 'ws://homeassistant.local:8123/api/websocket', token: process.env.HA_TOKEN ?? '' },
 *   { checkpoints: createFileCheckpointStore({ dir: './data/checkpoints' }) },
 * );
 * pipeline(source).use(registryEnricher()).to(sink); // the enricher reads the registry this source syncs
 */
export const haWebSocketSource = defineSource({
  name: SOURCE_NAME,
  options: HaWebSocketOptionsSchema,
  create: (options: ResolvedHaWebSocketOptions, hooks: HaWebSocketHooks): SourceImpl<HaEvent, HaWebSocketProvides> => {
    const registry = hooks.registry ?? createRegistryStore();
    return {
      provides: provide(registryCapability, registry),
      // A store given as a hook is always synced (as before); the source's own only when someone reads it.
      run: (ctx) =>
        runSource(
          options,
          hooks.registry ?? (ctx.consumed?.(registryCapability) === true ? registry : undefined),
          hooks,
          ctx,
        ),
    };
  },
});

// --- internal ---

/**
 * One `run()`: opens the run's parts (checkpoint, buffer, delivery loop, registry sync), connects and
 * reconnects until stopped or a fatal error, then closes the parts in order and rethrows that error.
 */
async function runSource(
  options: ResolvedHaWebSocketOptions,
  registry: RegistryStore | undefined,
  hooks: HaWebSocketHooks,
  ctx: SourceContext<HaEvent>,
): Promise<void> {
  const run = await openSourceRun({ sourceName: SOURCE_NAME, options, ctx, checkpoints: hooks.checkpoints, registry });
  try {
    await connectLoop(run, { createSocket: hooks.createSocket, random: hooks.random ?? Math.random });
  } finally {
    await closeSourceRun(run);
  }
  throwIfFatal(run);
}
