import { describe, expect, it } from 'vitest';
import { mqttSource } from './mqtt-source.js';

describe('mqttSource options', () => {
  it('refuses a misspelt key inside a subscription, naming it and the key it resembles', () => {
    const options = { url: 'mqtt://localhost', subscriptions: [{ topic: 'a/#', parsr: 'plain' }] };
    expect(() => mqttSource(options)).toThrow(
      'mqtt: invalid options: options.subscriptions.0.parsr: unknown option "parsr" (did you mean "parser"?)',
    );
  });

  it('refuses a misspelt key of a parser option object', () => {
    const options: Parameters<typeof mqttSource>[0] = {
      url: 'mqtt://localhost',
      // @ts-expect-error -- the type refuses it as well; this is what JavaScript or a JSON config gets at run time
      subscriptions: [{ topic: 'a/#', statestream: { baseTopc: 'ha' } }],
    };
    expect(() => mqttSource(options)).toThrow(
      'options.subscriptions.0.statestream.baseTopc: unknown option "baseTopc" (did you mean "baseTopic"?)',
    );
  });

  it('refuses a parser name that is neither built in nor passed in hooks.parsers', () => {
    expect(() =>
      mqttSource({ url: 'mqtt://localhost', subscriptions: [{ topic: 'a/#', parser: 'statestrem' }] }),
    ).toThrow('unknown parser "statestrem"');
  });
});
