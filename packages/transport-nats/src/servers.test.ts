import { ErrorCode, isSdkError } from '@ha-ingestor/core';
import { describe, expect, it } from 'vitest';
import { natsSink } from './nats-sink.js';
import { natsSource } from './nats-source.js';
import { credentialsOf, parseServers } from './servers.js';

describe('parseServers', () => {
  it('leaves URLs without credentials as they are (trimmed, a comma list split)', () => {
    expect(parseServers(' nats://n1:4222 , nats://n2:4222,')).toEqual({
      servers: ['nats://n1:4222', 'nats://n2:4222'],
      credentials: undefined,
    });
    expect(parseServers(['n1:4222', 'tls://n2'])).toEqual({ servers: ['n1:4222', 'tls://n2'], credentials: undefined });
  });

  it('takes user:password out of the URLs, percent-decoded; URLs without any share them', () => {
    expect(parseServers(['nats://ingest:p%40ss%3Aw@n1:4222', 'nats://n2:4222', 'nats://ingest:p%40ss%3Aw@n3'])).toEqual(
      {
        servers: ['nats://n1:4222', 'nats://n2:4222', 'nats://n3'],
        credentials: { user: 'ingest', pass: 'p@ss:w' },
      },
    );
  });

  it('takes a token out of a URL (userinfo without a colon), also without a scheme', () => {
    expect(parseServers('nats://n1:4222,s3cr%2Ft@n2:4222')).toEqual({
      servers: ['nats://n1:4222', 'n2:4222'],
      credentials: { token: 's3cr/t' },
    });
  });

  it('reads the userinfo up to the last @ of the authority, and keeps an empty password', () => {
    expect(parseServers('nats://u:p@ss@host:4222/x@y')).toEqual({
      servers: ['nats://host:4222/x@y'],
      credentials: { user: 'u', pass: 'p@ss' },
    });
    expect(parseServers('nats://u:@host')).toEqual({ servers: ['nats://host'], credentials: { user: 'u', pass: '' } });
    expect(parseServers('nats://@host')).toEqual({ servers: ['nats://host'], credentials: undefined });
  });

  it('takes text that is not valid percent-encoding as written', () => {
    expect(parseServers('nats://u:100%@host').credentials).toEqual({ user: 'u', pass: '100%' });
  });

  it('refuses two URLs with different credentials (CONFIG_INVALID) without naming them', () => {
    for (const servers of [
      ['nats://ingest:secret-one@n1:4222', 'nats://ingest:secret-two@n2:4222'],
      ['nats://ingest:secret-one@n1:4222', 'nats://secret-two@n2:4222'],
      'nats://secret-one@n1,nats://secret-two@n2',
    ]) {
      let thrown: unknown;
      try {
        parseServers(servers);
      } catch (error) {
        thrown = error;
      }
      expect(isSdkError(thrown, ErrorCode.CONFIG_INVALID)).toBe(true);
      const text = `${String(thrown)} ${JSON.stringify(thrown)}`;
      expect(text).toContain('nats://n2');
      expect(text).toContain('different credentials');
      expect(text).not.toMatch(/secret/);
    }
  });
});

describe('credentialsOf', () => {
  const fromUrl = parseServers('nats://url-user:url-pass@n1');
  it('uses the URL credentials when no option is set', () => {
    expect(credentialsOf({}, fromUrl)).toEqual({ user: 'url-user', pass: 'url-pass' });
    expect(credentialsOf({}, parseServers('nats://tok@n1'))).toEqual({ token: 'tok' });
    expect(credentialsOf({}, parseServers('nats://n1'))).toEqual({});
  });
  it('explicit user/pass/token win: the URL credentials are ignored as a whole', () => {
    expect(credentialsOf({ user: 'u', pass: 'p' }, fromUrl)).toEqual({ user: 'u', pass: 'p' });
    expect(credentialsOf({ token: 't' }, fromUrl)).toEqual({ token: 't' });
    expect(credentialsOf({ user: 'only' }, fromUrl)).toEqual({ user: 'only' });
  });
});

describe('servers option', () => {
  it('natsSink and natsSource refuse URLs with different credentials at creation, without the secrets', () => {
    const servers = 'nats://a:secret-one@n1:4222,nats://a:secret-two@n2:4222';
    for (const make of [() => natsSink({ servers, home: 'h' }), () => natsSource({ servers })]) {
      let thrown: unknown;
      try {
        make();
      } catch (error) {
        thrown = error;
      }
      expect(isSdkError(thrown, ErrorCode.CONFIG_INVALID)).toBe(true);
      const text = `${String(thrown)} ${JSON.stringify(thrown)}`;
      expect(text).toContain('different credentials');
      expect(text).not.toMatch(/secret/);
    }
  });
});
