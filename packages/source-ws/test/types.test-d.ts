import { describe, expectTypeOf, it } from 'vitest';
import type { HaEvent, RegistryStore, Source, StateChangedEvent } from '@ha-ingestor/core';
import { haHistoryImportSource, haWebSocketSource, importHistory } from '../src/index.js';
import type { HaWebSocketHooks, HaWebSocketOptions, HaWebSocketProvides } from '../src/index.js';

describe('source-ws types', () => {
  it('haWebSocketSource makes a Source of core HaEvents from url + token, providing the registry', () => {
    const source = haWebSocketSource({ url: 'ws://ha:8123/api/websocket', token: 't' });
    // Issue 12: it provides the registry it syncs (registryCapability) to the pipeline's enrichers.
    expectTypeOf(source).toEqualTypeOf<Source<HaEvent, HaWebSocketProvides>>();
    expectTypeOf(source).toExtend<Source<HaEvent>>();
    expectTypeOf<HaWebSocketProvides>().toEqualTypeOf<{ readonly registry: RegistryStore }>();
    expectTypeOf(haHistoryImportSource).returns.toEqualTypeOf<Source<HaEvent>>();
  });

  it('requires url and token, everything else is optional', () => {
    expectTypeOf<{ url: string; token: string }>().toExtend<HaWebSocketOptions>();
    // @ts-expect-error token is required
    haWebSocketSource({ url: 'ws://ha:8123/api/websocket' });
  });

  it('takes only known hooks', () => {
    expectTypeOf<HaWebSocketHooks>().toHaveProperty('checkpoints');
    // @ts-expect-error unknown hook
    haWebSocketSource({ url: 'ws://ha:8123/api/websocket', token: 't' }, { nope: true });
  });

  it('importHistory yields batches of state changes', () => {
    const it = importHistory({ url: 'ws://ha:8123/api/websocket', token: 't', start: 0 });
    expectTypeOf(it).toEqualTypeOf<AsyncGenerator<StateChangedEvent[], void, undefined>>();
  });
});
