import { createRequire } from 'node:module';
import type WsWebSocket from '../packages/source-ws/node_modules/@types/ws/index.js';
import type { WebSocketServer as WsServer } from '../packages/source-ws/node_modules/@types/ws/index.js';
import type * as InfluxClient from '../packages/sink-influx/node_modules/@influxdata/influxdb-client/dist/index.js';

/**
 * Third-party modules the bench drives directly (the ws transport floor, the end-to-end floor and the
 * hand-written peer). They are dependencies of the packages (source-ws, ha-simulator, sink-influx), not of the
 * workspace root, so pnpm does not link them where bench/ can import them by name: they are loaded from
 * the package that owns them. (Adding ws, @types/ws, home-assistant-js-websocket and
 * @influxdata/influxdb-client to the root devDependencies would make these plain imports.)
 */
const fromSourceWs = createRequire(new URL('../packages/source-ws/package.json', import.meta.url));
const fromHaSimulator = createRequire(new URL('../packages/ha-simulator/package.json', import.meta.url));
const fromSinkInflux = createRequire(new URL('../packages/sink-influx/package.json', import.meta.url));

export type WebSocketClient = WsWebSocket;
export type WebSocketServerType = WsServer;
export const WebSocket = fromSourceWs('ws') as typeof WsWebSocket;
export const WebSocketServer = (fromSourceWs('ws') as { WebSocketServer: typeof WsServer }).WebSocketServer;
export const influxClient = fromSinkInflux('@influxdata/influxdb-client') as typeof InfluxClient;

/** Resolved path of home-assistant-js-websocket's CommonJS build (loaded by the hand-written peer). */
export const hajsPath = fromHaSimulator.resolve('home-assistant-js-websocket');
