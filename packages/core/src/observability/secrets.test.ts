import { describe, expect, it } from 'vitest';
import { MASK, maskSecrets, maskUrl, redactSecrets } from './secrets.js';

describe('redactSecrets', () => {
  it('masks every occurrence of a given secret, raw and URL-encoded', () => {
    expect(redactSecrets('key K+1 and K%2B1, again K+1', ['K+1'])).toBe('key *** and ***, again ***');
    expect(redactSecrets('nothing to hide', ['', 'absent'])).toBe('nothing to hide');
  });

  it('masks URL passwords in free text, also where no URL parser would accept the URL', () => {
    expect(redactSecrets('see https://u:pw@host/x')).toBe('see https://u:***@host/x');
    expect(redactSecrets('connect mqtt://u:p@ss@host:1883 and http://a:b@c/d')).toBe(
      'connect mqtt://u:***@host:1883 and http://a:***@c/d',
    );
    expect(redactSecrets('bad gopher{://user:pw@host')).toBe('bad gopher{://user:***@host');
    expect(redactSecrets('no creds http://host:8086/x and mqtt://user@host')).toBe(
      'no creds http://host:8086/x and mqtt://user@host',
    );
  });

  it('masks secret-named query parameters and leaves the rest of the text exactly as it was', () => {
    expect(redactSecrets('GET http://h:8086/write?db=ha&u=admin&p=hunter2 failed')).toBe(
      'GET http://h:8086/write?db=ha&u=***&p=*** failed',
    );
    expect(redactSecrets('/api/camera_proxy/camera.door?token=abc123')).toBe('/api/camera_proxy/camera.door?token=***');
    expect(redactSecrets('http://host?lat=1&lon=2')).toBe('http://host?lat=1&lon=2'); // not normalised to http://host/?…
  });

  it('agrees with maskUrl and maskSecrets on what a secret is', () => {
    expect(maskUrl('http://a:b@h/?api_key=k')).toBe(`http://a:${MASK}@h/?api_key=${MASK}`);
    expect(maskSecrets({ url: 'mqtt://u:pw@h', token: 't' })).toEqual({ url: `mqtt://u:${MASK}@h`, token: MASK });
  });
});
