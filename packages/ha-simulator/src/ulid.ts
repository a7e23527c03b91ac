import type { Rng } from './prng.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A ULID (26 chars, Crockford base32, time-ordered) for the given epoch ms, as HA's `ulid_at_time`
 * makes context ids. Randomness comes from the seeded `rng`, so simulated runs are reproducible.
 */
export function ulidAt(epochMs: number, rng: Rng): string {
  let time = Math.max(0, Math.floor(epochMs));
  let timePart = '';
  for (let i = 0; i < 10; i++) {
    timePart = CROCKFORD.charAt(time % 32) + timePart;
    time = Math.floor(time / 32);
  }
  let randomPart = '';
  for (let i = 0; i < 16; i++) randomPart += CROCKFORD.charAt(Math.floor(rng.next() * 32));
  return timePart + randomPart;
}

/** 32 lowercase hex chars, the shape of HA user ids (uuid4().hex). */
export function hexId(rng: Rng): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += '0123456789abcdef'.charAt(Math.floor(rng.next() * 16));
  return out;
}

/** True when `text` looks like a ULID. */
export function isUlid(text: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{26}$/.test(text);
}
