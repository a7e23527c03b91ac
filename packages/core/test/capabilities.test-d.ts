import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { pipeline } from '../src/builder/pipeline.js';
import type { PipelineBuilder, ProvidedOf } from '../src/builder/types.js';
import { defineCapability, provide, registryCapability } from '../src/component/capability.js';
import type { Capability, NoCapabilities } from '../src/component/capability.js';
import { defineEnricher } from '../src/component/enricher.js';
import type { Enricher } from '../src/component/enricher.js';
import { defineSource } from '../src/component/source.js';
import type { Source, SourceImpl } from '../src/component/source.js';
import { createRegistryStore } from '../src/model/registry.js';
import type { RegistryProvider, RegistryStore } from '../src/model/registry.js';

interface Ev {
  readonly entity_id: string;
  readonly time_fired: number;
}

const wsLike = defineSource({
  name: 'ws-like',
  options: z.object({}),
  create: (_opts, hooks: { registry?: RegistryStore }): SourceImpl<Ev, { readonly registry: RegistryStore }> => {
    const registry = hooks.registry ?? createRegistryStore();
    return { provides: provide(registryCapability, registry), run: async () => undefined };
  },
});
const mqttLike = defineSource({
  name: 'mqtt-like',
  options: z.object({}),
  create: (): SourceImpl<Ev> => ({ run: async () => undefined }),
});

const areaOf = defineEnricher({
  name: 'area-of',
  needs: { registry: registryCapability },
  create: (_opts, hooks: { registry?: RegistryProvider }) => ({
    enrich: (e: { entity_id: string }) => ({ area: hooks.registry === undefined ? e.entity_id : 'x' }),
  }),
});

type ProvidedOfBuilder<B> = B extends PipelineBuilder<unknown, infer P> ? P : never;

describe('capability types', () => {
  it('a source made with provides() carries what it provides; one without provides nothing', () => {
    expectTypeOf(wsLike({})).toEqualTypeOf<Source<Ev, { readonly registry: RegistryStore }>>();
    expectTypeOf(mqttLike({})).toEqualTypeOf<Source<Ev>>();
    expectTypeOf<ProvidedOf<ReturnType<typeof wsLike> | ReturnType<typeof mqttLike>>>().toEqualTypeOf<{
      readonly registry: RegistryStore;
    }>();
    expectTypeOf<ProvidedOfBuilder<ReturnType<typeof pipeline<[Source<Ev>]>>>>().toEqualTypeOf<NoCapabilities>();
  });

  it('an enricher needing a capability carries it unless its hook is given', () => {
    expectTypeOf(areaOf()).toEqualTypeOf<
      Enricher<{ entity_id: string }, { area: string }, { registry: typeof registryCapability }>
    >();
    expectTypeOf(areaOf({}, { registry: createRegistryStore() })).toEqualTypeOf<
      Enricher<{ entity_id: string }, { area: string }>
    >();
  });

  it('accepts a consumer where a source provides the capability', () => {
    const _b = pipeline(wsLike({})).use(areaOf());
    expectTypeOf<ProvidedOfBuilder<typeof _b>>().toEqualTypeOf<{ readonly registry: RegistryStore }>();
    // two sources, one provider: fine
    pipeline(mqttLike({}), wsLike({})).use(areaOf());
    // provided later in the chain is still provided (it is the pipeline's)
    pipeline(wsLike({})).dedupe().select({}).use(areaOf()).use(areaOf());
  });

  it('rejects a consumer with no provider at compile time; the explicit hook or .provide() fixes it', () => {
    // @ts-expect-error needs "registry": nothing in this pipeline provides it
    pipeline(mqttLike({})).use(areaOf());
    pipeline(mqttLike({})).use(areaOf({}, { registry: createRegistryStore() }));
    pipeline(mqttLike({})).provide(registryCapability, createRegistryStore()).use(areaOf());
    // .provide() checks the value against the capability's type
    // @ts-expect-error a number is not a RegistryProvider
    pipeline(mqttLike({})).provide(registryCapability, 42);
  });

  it('keys capabilities by name, so another capability does not satisfy it', () => {
    const other: Capability<'ha-connection', { readonly send: () => void }> = defineCapability<{
      readonly send: () => void;
    }>()('ha-connection', {
      description: 'a connection',
      providedBy: 'nobody yet',
    });
    const provided = pipeline(mqttLike({})).provide(other, { send: () => undefined });
    // @ts-expect-error provides "ha-connection", not "registry"
    provided.use(areaOf());
  });
});
