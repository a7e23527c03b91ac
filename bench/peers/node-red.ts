import { existsSync } from 'node:fs';

/** Where `npm install --prefix bench/.peers node-red node-red-contrib-home-assistant-websocket node-red-contrib-influxdb` puts Node-RED. */
export const PEERS_DIR = new URL('../.peers/', import.meta.url).pathname;

export type NodeRedPeer = { readonly status: 'not run'; readonly reason: string };

/**
 * Peer (b) hook: Node-RED + node-red-contrib-home-assistant-websocket + an InfluxDB out node, headless on
 * 127.0.0.1 with a generated flows.json, measured like the other peers. Not implemented yet: the bench
 * reports it as not run (never a made-up number). See bench/README.md for the remaining steps.
 */
export function nodeRedPeer(): NodeRedPeer {
  const installed = existsSync(`${PEERS_DIR}node_modules/node-red/package.json`);
  return {
    status: 'not run',
    reason: installed
      ? 'Node-RED is installed in bench/.peers but the flow driver (flows.json generation, CPU sampling of the Node-RED process) is not implemented yet'
      : 'Node-RED is not installed (npm install --prefix bench/.peers node-red node-red-contrib-home-assistant-websocket node-red-contrib-influxdb) and the flow driver is not implemented yet',
  };
}
