import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { idempotencyKey, signBody, verifySignature } from './signature.js';

describe('signBody / verifySignature', () => {
  const secret = 'sixteen-chars-or-more';
  const body = Buffer.from('[{"a":1}]');
  it('is sha256= and the hex HMAC-SHA256 of the raw bytes', () => {
    expect(signBody(body, secret)).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  });
  it('accepts the right header only', () => {
    const header = signBody(body, secret);
    expect(verifySignature(body, header, secret)).toBe(true);
    expect(verifySignature(Buffer.from('[{"a":2}]'), header, secret)).toBe(false);
    expect(verifySignature(body, header, 'another-secret-value')).toBe(false);
    expect(verifySignature(body, header.slice(0, -1), secret)).toBe(false);
    expect(verifySignature(body, undefined, secret)).toBe(false);
    expect(verifySignature(body, [header], secret)).toBe(false);
  });
});

describe('idempotencyKey', () => {
  it('depends only on the event keys and their order', () => {
    expect(idempotencyKey(['a', 'b'])).toBe(idempotencyKey(['a', 'b']));
    expect(idempotencyKey(['a', 'b'])).not.toBe(idempotencyKey(['b', 'a']));
    expect(idempotencyKey(['ab'])).not.toBe(idempotencyKey(['a', 'b']));
    expect(idempotencyKey(['a'])).toMatch(/^[0-9a-f]{64}$/);
  });
});
