import { describe, expect, it } from 'vitest';
import { ErrorCode, isSdkError } from '@ha-ingestor/core';
import { haWebSocketSource } from './ha-websocket-source.js';
import { HaWebSocketOptionsSchema, defaultCheckpointKey } from './options.js';

const TOKEN = 'SECRET-TOKEN-options-test';

describe('HaWebSocketOptionsSchema', () => {
  it('fills every default', () => {
    const o = HaWebSocketOptionsSchema.parse({ url: 'ws://ha:8123/api/websocket', token: TOKEN });
    expect(o.eventTypes).toEqual(['state_changed', 'call_service', 'automation_triggered', 'script_started']);
    expect(o).toMatchObject({
      heartbeatIntervalMs: 20_000,
      heartbeatTimeoutMs: 10_000,
      compression: false,
      backfill: { enabled: true, maxGapMs: 864_000_000, chunkMs: 3_600_000 },
      reconnect: { minDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 60_000 },
      tls: { rejectUnauthorized: true },
    });
  });

  it('explains an http:// URL and suggests the ws:// one, without echoing the token', () => {
    let error: unknown;
    try {
      haWebSocketSource({ url: 'http://homeassistant.local:8123', token: TOKEN });
    } catch (e) {
      error = e;
    }
    expect(isSdkError(error, ErrorCode.CONFIG_INVALID)).toBe(true);
    expect((error as Error).message).toContain('ws://homeassistant.local:8123/api/websocket');
    expect((error as Error).message).not.toContain(TOKEN);
    expect(() => haWebSocketSource({ url: 'https://ha.example.com/api/websocket', token: TOKEN })).toThrow(
      /wss:\/\/ha\.example\.com\/api\/websocket/,
    );
  });

  it('derives the checkpoint key from the URL host', () => {
    expect(defaultCheckpointKey('wss://ha.example.com:8443/api/websocket')).toBe('ha-websocket:ha.example.com:8443');
  });
});
