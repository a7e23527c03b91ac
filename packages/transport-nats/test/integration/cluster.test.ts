// A 3-node JetStream cluster on loopback: one node is killed with SIGKILL while an edge pipeline publishes
// into a stream with 3 replicas; the sink's failures go through core's retry, the Msg-Id dedupes what was
// published twice, and every event is in the stream exactly once.
import { pipeline, type HaEvent, type Source } from '@ha-ingestor/core';
import { createTestSourceContext } from '@ha-ingestor/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startNatsCluster, type NatsCluster, type NatsNodeInfo } from '../../../../test-support/services.js';
import { natsSink } from '../../src/nats-sink.js';
import { natsSource } from '../../src/nats-source.js';
import { admin, events, newTarget } from './helpers.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Emits `all` in batches of `size`, calling `between(i)` after batch i (awaiting backpressure). */
function pacedSource(all: readonly HaEvent[], size: number, between: (i: number) => Promise<void>): Source<HaEvent> {
  return {
    kind: 'source',
    name: 'paced',
    run: async ({ emitBatch, signal }) => {
      for (let i = 0; i * size < all.length && !signal.aborted; i++) {
        await emitBatch(all.slice(i * size, (i + 1) * size));
        await between(i);
      }
      if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    },
  };
}

describe('NATS cluster (3 nodes, replicas 3)', () => {
  it(
    'a node killed -9 while publishing loses nothing; the restarted node catches up',
    { timeout: 120_000 },
    async (ctx) => {
      const cluster: NatsCluster = await startNatsCluster(ctx);
      cleanups.push(cluster.close);
      const target = newTarget(cluster.info.urls, 'cluster');
      const all = events(3000);
      let killed: NatsNodeInfo | undefined;
      const sink = natsSink({ ...target, home: 'home-c', replicas: 3, publishTimeoutMs: 2000, reconnectWaitMs: 250 });
      const edge = pipeline(
        pacedSource(all, 100, async (i) => {
          if (i === 10) {
            // The node this edge talks to: its publishes in flight fail and the client fails over.
            const port = Number(sink.status().server?.split(':')[1]);
            const node = Object.values(cluster.info.nodes).find((n) => n.port === port) ?? cluster.info.nodes.n2;
            await cluster.kill(node.service);
            killed = node;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }),
      )
        .to(sink, {
          batch: { maxSize: 100, maxWaitMs: 20 },
          retry: { retries: 50, minDelayMs: 200, maxDelayMs: 1000 },
          breaker: { threshold: 1000 },
        })
        .build();
      await edge.start();
      cleanups.push(() => edge.stop());
      const a = await admin(cluster.info.urls);
      cleanups.push(a.close);
      await vi.waitFor(async () => expect((await a.stream(target.stream)).state.messages).toBe(3000), {
        timeout: 60_000,
        interval: 200,
      });
      if (killed === undefined) throw new Error('no node was killed');
      const victim = killed;
      const afterKill = sink.status();
      expect(afterKill.connected).toBe(true); // failed over to a surviving node
      expect(afterKill.server).not.toBe(`127.0.0.1:${victim.port}`);
      const stats = await edge.stop();
      expect(stats.failed).toBe(0);
      await cluster.start(victim.service);
      // Every event once, read back by a writer through the durable consumer.
      const source = natsSource({ ...target, batchSize: 500 });
      const sctx = createTestSourceContext<HaEvent>();
      const running = source.run(sctx);
      cleanups.push(async () => {
        sctx.abort();
        await running;
      });
      await vi.waitFor(() => expect(sctx.events.length).toBeGreaterThanOrEqual(3000), {
        timeout: 30_000,
        interval: 50,
      });
      const keys = sctx.events.map((e) => e.key);
      expect(new Set(keys).size).toBe(3000);
      expect(keys).toHaveLength(3000);
      const info = await a.stream(target.stream);
      expect(info.config.num_replicas).toBe(3);
      // The restarted node is a current replica again.
      await vi.waitFor(
        async () => {
          const replicas = [
            (await a.stream(target.stream)).cluster?.leader,
            ...((await a.stream(target.stream)).cluster?.replicas ?? []).filter((r) => r.current).map((r) => r.name),
          ];
          expect(replicas).toContain(victim.service.slice('nats-'.length));
        },
        { timeout: 30_000, interval: 200 },
      );
      console.info(`[nats cluster] killed ${victim.service}; sink status after the run: ${JSON.stringify(afterKill)}`);
    },
  );
});
