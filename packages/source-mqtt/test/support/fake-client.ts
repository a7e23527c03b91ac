import { EventEmitter } from 'node:events';
import type { IClientOptions, IPublishPacket } from 'mqtt';

/** A stand-in for mqtt.js' client: the test drives CONNACK, PUBLISH and close; PUBACKs are recorded. */
export class FakeClient extends EventEmitter {
  connected = false;
  disconnected = false;
  readonly pubacks: number[] = [];
  readonly subscriptions: Record<string, unknown>[] = [];
  readonly unsubscriptions: string[] = [];
  constructor(
    readonly url: string,
    readonly options: IClientOptions,
  ) {
    super();
  }
  handleMessage(_packet: IPublishPacket, callback: (error?: Error) => void): void {
    callback();
  }
  _sendPacket(packet: { cmd: string; messageId: number }): void {
    if (packet.cmd === 'puback') this.pubacks.push(packet.messageId);
  }
  subscribeAsync(map: Record<string, { qos: number }>) {
    this.subscriptions.push(map);
    return Promise.resolve(Object.entries(map).map(([topic, o]) => ({ topic, qos: o.qos })));
  }
  unsubscribeAsync(topics: string | string[]) {
    this.unsubscriptions.push(...(Array.isArray(topics) ? topics : [topics]));
    return Promise.resolve(undefined);
  }
  connack(sessionPresent = false): void {
    this.connected = true;
    this.emit('connect', { sessionPresent });
  }
  refuse(code: number): void {
    this.emit('error', Object.assign(new Error('Connection refused: Not authorized'), { code }));
  }
  drop(): void {
    this.connected = false;
    this.disconnected = true;
    this.emit('close');
  }
  end(): this {
    if (!this.disconnected) this.drop();
    return this;
  }
  endAsync(): Promise<void> {
    this.end();
    return Promise.resolve();
  }
  /** Delivers a PUBLISH the way mqtt.js does; resolves with the error mqtt.js' callback got (skip PUBACK). */
  deliver(
    topic: string,
    payload: string | Buffer,
    opts: { qos?: 0 | 1; messageId?: number; retain?: boolean } = {},
  ): Promise<Error | undefined> {
    const packet = {
      cmd: 'publish',
      topic,
      payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
      qos: opts.qos ?? 1,
      messageId: opts.messageId,
      retain: opts.retain ?? false,
      dup: false,
    } as IPublishPacket;
    return new Promise((resolve) => this.handleMessage(packet, resolve));
  }
}

/** Lets queued promise callbacks run (the source's async steps between a delivery and its effects). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
