import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { ConfigError } from '@ha-ingestor/core';

/** Who may use the HTTP API: the token, the extra Host names, the trusted ingress proxy. */
export interface HttpAccessOptions {
  readonly apiToken?: string;
  /** Host names accepted without a token besides loopback names; `*` accepts any. */
  readonly allowedHosts: readonly string[];
  /** TCP peer whose requests are authenticated by the proxy (HA Supervisor ingress: 172.30.32.2). */
  readonly ingressProxy?: string;
}

/** The verdict on one request: allowed, or refused with a status and a message that says what to do. */
export type AccessVerdict =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly status: 401 | 403;
      readonly reason: 'unauthorized' | 'host_not_allowed';
      readonly error: string;
    };

/** Routes readable by anyone who reaches the port (orchestrator probes): they carry no event data. */
export const OPEN_ROUTES: ReadonlySet<string> = new Set(['/', '/health', '/ready']);

/**
 * True for names and addresses that only reach this machine: 127.0.0.0/8, ::1 (any spelling, also
 * IPv4-mapped), `localhost`, `localhost.` and `*.localhost` (RFC 6761 reserves them for loopback).
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost' || name === 'localhost.' || name.endsWith('.localhost') || name.endsWith('.localhost.'))
    return true;
  if (isIPv4(name)) return name.startsWith('127.');
  if (!isIPv6(name)) return false;
  const normalised = new URL(`http://[${name}]/`).hostname;
  return normalised === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(normalised);
}

/**
 * Refuses to serve the data API to the network without a token (issue 11: the Dockerfile, compose file
 * and add-on bound 0.0.0.0 with API_TOKEN optional). `HTTP_ALLOW_UNAUTHENTICATED=true` is the explicit
 * opt-out; a trusted ingress proxy does not count, because the port may be reachable by others too.
 */
export function assertSafeExposure(http: {
  readonly host: string;
  readonly apiToken?: string | undefined;
  readonly allowUnauthenticated: boolean;
}): void {
  if (http.apiToken !== undefined || http.allowUnauthenticated || isLoopbackHost(http.host)) return;
  const message =
    `HTTP_HOST=${http.host} would serve your Home Assistant data to the network without a token: ` +
    'set API_TOKEN to a long random string (e.g. `openssl rand -hex 32`), or bind HTTP_HOST=127.0.0.1, ' +
    'or set HTTP_ALLOW_UNAUTHENTICATED=true to accept an open API';
  throw new ConfigError(message, [
    { path: 'http.apiToken', message: 'required when http.host is not a loopback address' },
  ]);
}

/**
 * Makes the per-request access check. With a token, every route but {@link OPEN_ROUTES} needs
 * `Authorization: Bearer <token>` (scheme case-insensitive, RFC 7235), compared in constant time over
 * SHA-256 digests so neither content nor length leaks through timing. Without a token, the `Host` header
 * must name this machine (or an allowed host): a DNS-rebinding page (evil.example → 127.0.0.1) then gets
 * 403 instead of your data. Requests from the ingress proxy are authenticated by it (HA login).
 */
export function createAccessCheck(options: HttpAccessOptions): (req: IncomingMessage, path: string) => AccessVerdict {
  const expected = options.apiToken === undefined ? undefined : digest(options.apiToken);
  const anyHost = options.allowedHosts.includes('*');
  const allowedHosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const proxy = options.ingressProxy === undefined ? undefined : peerAddress(options.ingressProxy);
  return (req, path) => {
    if (proxy !== undefined && peerAddress(req.socket.remoteAddress ?? '') === proxy) return ALLOWED;
    if (expected !== undefined) {
      if (OPEN_ROUTES.has(path) || bearerMatches(req.headers.authorization, expected)) return ALLOWED;
      return {
        allowed: false,
        status: 401,
        reason: 'unauthorized',
        error: 'missing or wrong bearer token (Authorization: Bearer <API_TOKEN>)',
      };
    }
    const host = req.headers.host;
    // No Host at all is HTTP/1.0 from a script; browsers (the rebinding vector) always send one.
    if (host === undefined || anyHost) return ALLOWED;
    const name = hostName(host);
    if (name !== undefined && (isLoopbackHost(name) || allowedHosts.has(name.toLowerCase()))) return ALLOWED;
    return {
      allowed: false,
      status: 403,
      reason: 'host_not_allowed',
      error: `Host ${JSON.stringify(host.slice(0, 100))} is not allowed without API_TOKEN: use localhost / 127.0.0.1, add the name to HTTP_ALLOWED_HOSTS, or set API_TOKEN`,
    };
  };
}

// --- internal ---

const ALLOWED: AccessVerdict = { allowed: true };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = header === undefined ? null : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  // Hash even when absent, so a missing header costs what a wrong one does.
  const presented = digest(match?.[1] ?? '');
  return timingSafeEqual(presented, expected) && match !== null;
}

/** The host name of a Host header (`[::1]:8000` → `::1`), or undefined when it is malformed. */
function hostName(host: string): string | undefined {
  const match = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(host) ?? /^([^:[\]\s]+)(?::\d{1,5})?$/.exec(host);
  return match?.[1];
}

/** An address as Node reports a TCP peer, with IPv4-mapped IPv6 (`::ffff:1.2.3.4`) folded to IPv4. */
function peerAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (mapped?.[1] ?? address).toLowerCase();
}
