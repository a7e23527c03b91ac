import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { pipeline } from '../builder/pipeline.js';
import { provide, registryCapability, resolveNeed } from '../component/capability.js';
import { defineEnricher } from '../component/enricher.js';
import type { Source, SourceContext } from '../component/source.js';
import { ConfigError, isSdkError } from '../model/errors.js';
import { createRegistryStore, type RegistryProvider, type RegistryStore } from '../model/registry.js';
import { createTestContext } from '../testing/context.js';
import { memorySink, settle, stateEvent } from '../../test/runtime-test-kit.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

type Ev = ReturnType<typeof stateEvent>;

/** A source that provides `registry` (like the WebSocket source) and records whether it was consumed. */
function providingSource(name: string, registry: RegistryStore, events: readonly Ev[] = []) {
  const seen: { consumed?: boolean } = {};
  const source: Source<Ev, { readonly registry: RegistryStore }> = {
    kind: 'source',
    name,
    provides: provide(registryCapability, registry),
    run: async (ctx: SourceContext<Ev>) => {
      seen.consumed = ctx.consumed?.(registryCapability);
      for (const e of events) await ctx.emit(e);
    },
  };
  return { source, seen };
}

function plainSource(events: readonly Ev[] = []): Source<Ev> {
  return { kind: 'source', name: 'plain', run: async (ctx) => void (await ctx.emitBatch(events)) };
}

/** A consumer made the way plugins make them: `needs` declared, the value resolved in `start`. */
const areaEnricher = defineEnricher({
  name: 'area',
  needs: { registry: registryCapability },
  create: (_opts, hooks: { readonly registry?: RegistryProvider }) => {
    let registry = hooks.registry;
    return {
      start: (ctx) => {
        registry = resolveNeed(hooks.registry, ctx, registryCapability, { consumer: 'area', hook: 'registry' });
      },
      enrich: (e: { entity_id: string }) => {
        const entity = registry?.snapshot().entities.get(e.entity_id);
        return entity?.area_id ? { area: entity.area_id } : {};
      },
    };
  },
});

/** An optional consumer: reads the capability in `start` when there is one (like timeContext). */
const zoneEnricher = defineEnricher({
  name: 'zone',
  options: z.object({}),
  create: () => {
    let zone = 'UTC';
    return {
      start: (ctx) => {
        zone = ctx.capability?.(registryCapability)?.snapshot().config?.time_zone ?? 'UTC';
      },
      enrich: () => ({ zone }),
    };
  },
});

const storeWithArea = (area: string): RegistryStore =>
  createRegistryStore({
    entities: [
      {
        entity_id: 'light.a',
        unique_id: null,
        platform: 'hue',
        device_id: null,
        area_id: area,
        labels: [],
        name: null,
      },
    ],
    config: { time_zone: `Zone/${area}`, latitude: 0, longitude: 0 },
  });

const event = stateEvent('light.a', 1_700_000_000_000_000);

async function run<E>(p: ReturnType<ReturnType<typeof pipeline>['build']>, written: () => E[]): Promise<E[]> {
  await p.start();
  await settle();
  await p.idle();
  await p.stop();
  return written();
}

describe('capabilities: a source provides, an enricher consumes', () => {
  it('hands the registry a source provides to an enricher that needs it, and tells the source it is consumed', async () => {
    const { source, seen } = providingSource('ws', storeWithArea('kitchen'), [event]);
    const out = memorySink<object>('out');
    const p = pipeline(source).use(areaEnricher()).to(out.sink).build();
    expect(await run(p, () => out.written)).toEqual([{ ...event, area: 'kitchen' }]);
    expect(seen.consumed).toBe(true);
  });

  it('tells a source nobody consumes its registry (so it can skip the sync)', async () => {
    const { source, seen } = providingSource('ws', storeWithArea('kitchen'), [event]);
    const out = memorySink<object>('out');
    await run(pipeline(source).to(out.sink).build(), () => out.written);
    expect(seen.consumed).toBe(false);
  });

  it('fails build() with a CONFIG_INVALID naming the enricher, the capability and the fixes when nothing provides it', () => {
    const b = pipeline(plainSource());
    // A JavaScript caller (or a cast) gets past the compile-time check; build() still refuses.
    const e = areaEnricher() as unknown as Parameters<typeof b.use>[0];
    const build = () => b.use(e).build();
    expect(build).toThrow(ConfigError);
    try {
      build();
    } catch (error) {
      expect(isSdkError(error, 'CONFIG_INVALID')).toBe(true);
      const message = (error as ConfigError).message;
      expect(message).toMatch(/^area: needs "registry" \(HA's registries/);
      expect(message).toContain('nothing in this pipeline provides it');
      expect(message).toContain('haWebSocketSource');
      expect(message).toContain('.provide()');
      expect(message).toContain('"registry" hook');
      expect((error as ConfigError).issues).toEqual([
        { path: 'hooks.registry', message: 'nothing provides "registry"' },
      ]);
      expect((error as ConfigError).stage).toBe('area');
    }
  });

  it('lets an explicit hook win over what the source provides (and leaves the source unconsumed)', async () => {
    const { source, seen } = providingSource('ws', storeWithArea('kitchen'), [event]);
    const out = memorySink<object>('out');
    const enricher = areaEnricher({}, { registry: storeWithArea('hall') });
    expect(enricher.needs).toBeUndefined();
    const p = pipeline(source).use(enricher).to(out.sink).build();
    expect(await run(p, () => out.written)).toEqual([{ ...event, area: 'hall' }]);
    expect(seen.consumed).toBe(false);
  });

  it('an explicit hook needs no provider at all', async () => {
    const out = memorySink<object>('out');
    const p = pipeline(plainSource([event]))
      .use(areaEnricher({}, { registry: storeWithArea('hall') }))
      .to(out.sink)
      .build();
    expect(await run(p, () => out.written)).toEqual([{ ...event, area: 'hall' }]);
  });

  it('lets .provide() on the pipeline satisfy a need and win over a source', async () => {
    const out = memorySink<object>('out');
    const p = pipeline(plainSource([event]))
      .provide(registryCapability, storeWithArea('attic'))
      .use(areaEnricher())
      .to(out.sink)
      .build();
    expect(await run(p, () => out.written)).toEqual([{ ...event, area: 'attic' }]);

    const { source, seen } = providingSource('ws', storeWithArea('kitchen'), [event]);
    const out2 = memorySink<object>('out');
    const p2 = pipeline(source)
      .provide(registryCapability, storeWithArea('attic'))
      .use(areaEnricher())
      .to(out2.sink)
      .build();
    expect(await run(p2, () => out2.written)).toEqual([{ ...event, area: 'attic' }]);
    expect(seen.consumed).toBe(false);
  });

  it('refuses .provide() of one capability twice', () => {
    const b = pipeline(plainSource()).provide(registryCapability, createRegistryStore());
    expect(() => b.provide(registryCapability, createRegistryStore())).toThrow(/"registry" is provided twice/);
  });

  it('hands an optional consumer the value in start(), and nothing when there is none', async () => {
    const { source } = providingSource('ws', storeWithArea('kitchen'), [event]);
    const out = memorySink<object>('out');
    expect(await run(pipeline(source).use(zoneEnricher()).to(out.sink).build(), () => out.written)).toEqual([
      { ...event, zone: 'Zone/kitchen' },
    ]);
    const out2 = memorySink<object>('out');
    expect(
      await run(
        pipeline(plainSource([event]))
          .use(zoneEnricher())
          .to(out2.sink)
          .build(),
        () => out2.written,
      ),
    ).toEqual([{ ...event, zone: 'UTC' }]);
  });
});

describe('capabilities: two providers', () => {
  it('refuses at build() when two sources provide different registries and an enricher needs one', () => {
    const a = providingSource('ws-home', storeWithArea('kitchen'));
    const b = providingSource('ws-cabin', storeWithArea('hall'));
    const build = () => pipeline(a.source, b.source).use(areaEnricher()).build();
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      /^area: needs "registry", which 2 sources provide with different values \(ws-home, ws-cabin\)/,
    );
  });

  it('fails start() when an optional consumer reads an ambiguous capability', async () => {
    const a = providingSource('ws-home', storeWithArea('kitchen'));
    const b = providingSource('ws-cabin', storeWithArea('hall'));
    const p = pipeline(a.source, b.source).use(zoneEnricher()).build();
    await expect(p.start()).rejects.toThrow(/a stage reads "registry", which 2 sources provide with different values/);
    await p.stop();
  });

  it('builds when two sources provide different values but nobody consumes them, or the consumer has its hook', async () => {
    const a = providingSource('ws-home', storeWithArea('kitchen'), [event]);
    const b = providingSource('ws-cabin', storeWithArea('hall'));
    expect(() => pipeline(a.source, b.source).build()).not.toThrow();
    const out = memorySink<object>('out');
    const p = pipeline(a.source, b.source)
      .use(areaEnricher({}, { registry: storeWithArea('attic') }))
      .to(out.sink)
      .build();
    expect(await run(p, () => out.written)).toEqual([{ ...event, area: 'attic' }]);
  });

  it('treats two sources given one shared store as one provider', async () => {
    const shared = storeWithArea('kitchen');
    const a = providingSource('ws-1', shared, [event]);
    const b = providingSource('ws-2', shared);
    const out = memorySink<object>('out');
    const p = pipeline(a.source, b.source).use(areaEnricher()).to(out.sink).build();
    expect(await run(p, () => out.written)).toEqual([{ ...event, area: 'kitchen' }]);
    expect([a.seen.consumed, b.seen.consumed]).toEqual([true, true]);
  });
});

describe('resolveNeed outside a pipeline', () => {
  it('throws the same CONFIG_INVALID from start() when a hand-made context provides nothing', () => {
    const e = areaEnricher();
    expect(() => e.start?.(createTestContext())).toThrow(/^area: needs "registry"/);
    const store = storeWithArea('porch');
    const ctx = createTestContext({ capability: <T>() => store as T });
    void e.start?.(ctx);
    expect(e.enrich({ entity_id: 'light.a' }, ctx)).toEqual({ area: 'porch' });
  });
});
