import { describe, expectTypeOf, it } from 'vitest';
import type { Source, StateChangedEvent } from '@ha-ingestor/core';
import { pipeline } from '@ha-ingestor/core';
import { mqttSource } from '../src/mqtt-source.js';
import type { MqttSourceHooks } from '../src/mqtt-source.js';
import type {
  BuiltinParserName,
  MqttParserName,
  MqttSourceOptions,
  MqttSubscription,
  ResolvedMqttSourceOptions,
} from '../src/options.js';
import type { MqttParser, ParseResult } from '../src/parser.js';

describe('mqttSource types', () => {
  it('produces a Source of StateChangedEvent that pipelines accept', () => {
    const source = mqttSource({ url: 'mqtt://localhost', subscriptions: [{ topic: 'homeassistant/#' }] });
    expectTypeOf(source).toEqualTypeOf<Source<StateChangedEvent>>();
    const builder = pipeline(source);
    expectTypeOf(builder.build).toBeFunction();
  });

  it('options: defaults are optional in input and present after parsing', () => {
    expectTypeOf<MqttSourceOptions['maxInFlight']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ResolvedMqttSourceOptions['maxInFlight']>().toEqualTypeOf<number>();
    expectTypeOf<ResolvedMqttSourceOptions['protocolVersion']>().toEqualTypeOf<4 | 5>();
    expectTypeOf<ResolvedMqttSourceOptions['subscriptions'][number]['qos']>().toEqualTypeOf<0 | 1>();
    // @ts-expect-error subscriptions are required
    mqttSource({ url: 'mqtt://localhost' });
    // @ts-expect-error QoS 2 is not offered
    mqttSource({ url: 'mqtt://localhost', subscriptions: [{ topic: 'a', qos: 2 }] });
  });

  it('parser: the built-in names stay literal (offered by editors) and custom names are accepted', () => {
    expectTypeOf<MqttSubscription['parser']>().toEqualTypeOf<MqttParserName | undefined>();
    expectTypeOf<ResolvedMqttSourceOptions['subscriptions'][number]['parser']>().toEqualTypeOf<MqttParserName>();
    expectTypeOf<Extract<MqttParserName, BuiltinParserName>>().toEqualTypeOf<
      'statestream' | 'discovery' | 'json' | 'plain' | 'auto'
    >();
    mqttSource({
      url: 'mqtt://localhost',
      subscriptions: [
        { topic: 'a', parser: 'statestream' },
        { topic: 'b', parser: 'my-parser' },
      ],
    });
    // @ts-expect-error a parser name is a string
    mqttSource({ url: 'mqtt://localhost', subscriptions: [{ topic: 'a', parser: 1 }] });
  });

  it('custom parsers are plain objects passed as hooks', () => {
    const parser: MqttParser = { name: 'x', parse: () => ({ kind: 'ignored', reason: 'test' }) };
    const hooks: MqttSourceHooks = { parsers: { x: parser }, random: () => 0.5 };
    expectTypeOf(mqttSource).parameter(1).toEqualTypeOf<MqttSourceHooks | undefined>();
    expectTypeOf(hooks.parsers).toEqualTypeOf<Readonly<Record<string, MqttParser>> | undefined>();
    expectTypeOf<Extract<ParseResult, { kind: 'events' }>['events']>().toEqualTypeOf<readonly StateChangedEvent[]>();
  });
});
