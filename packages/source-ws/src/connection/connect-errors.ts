import { ErrorCode, SdkError, redactSecrets } from '@ha-ingestor/core';

/** TLS failure codes of Node's `tls` module that mean "the certificate was not accepted". */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Turns a socket/handshake error into an SdkError that says what to fix: unreachable host, TLS,
 * wrong path (HTTP 404 on the upgrade → missing /api/websocket?), plain HTTP where a WebSocket was expected.
 * All are CONNECTION_LOST (retryable: HA may be restarting); the token never appears.
 */
export function describeSocketError(error: Error, url: string, token: string, stage: string): SdkError {
  const where = hostPort(url);
  const code = (error as NodeJS.ErrnoException).code;
  const detail = redactSecrets(error.message, [token]);
  let message: string;
  if (code === 'ECONNREFUSED') {
    message = `cannot reach HA at ${where}: connection refused (ECONNREFUSED) — is HA running and is the port right?`;
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    message = `cannot resolve HA host ${where} (${code})`;
  } else if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    message = `cannot reach HA at ${where} (${code})`;
  } else if (code === 'ECONNRESET') {
    message = `connection to HA at ${where} was reset (ECONNRESET)`;
  } else if (code !== undefined && TLS_CODES.has(code)) {
    message = `TLS handshake with HA at ${where} failed (${code}: ${detail}): set tls.ca to the CA that signed HA's certificate, or use ws:// for a plain-HTTP HA`;
  } else if (/Unexpected server response: 404/.test(error.message)) {
    message = `HA at ${where} answered HTTP 404 to the WebSocket upgrade of ${pathOf(url)}: is the path missing /api/websocket?`;
  } else if (/Unexpected server response: (\d+)/.test(error.message)) {
    const status = /Unexpected server response: (\d+)/.exec(error.message)?.[1] ?? '?';
    message = `HA at ${where} answered HTTP ${status} to the WebSocket upgrade of ${pathOf(url)} (expected 101): check the URL and any reverse proxy`;
  } else if (/Invalid WebSocket frame|Invalid Sec-WebSocket-Accept/.test(error.message)) {
    message = `the server at ${where} does not speak the WebSocket protocol (${detail}): use ws://<host>:8123/api/websocket`;
  } else {
    message = `connection to HA at ${where} failed: ${detail}`;
  }
  return new SdkError(ErrorCode.CONNECTION_LOST, message, {
    stage,
    cause: error,
    data: { host: where, ...(code === undefined ? {} : { errno: code }) },
  });
}

/** Masks `secret` (and URL credentials) in `text`: core's `redactSecrets`, kept for ha-websocket-source.ts (issue 12). */
export const redact = (text: string, secret: string): string => redactSecrets(text, [secret]);

// --- internal ---

function hostPort(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'wss:' || u.protocol === 'https:' ? '443' : '80');
    return `${u.hostname}:${port}`;
  } catch {
    return '<invalid url>';
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
