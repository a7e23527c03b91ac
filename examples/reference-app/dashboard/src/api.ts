// Talking to the ingestor: relative URLs only (HA ingress serves the page below a path prefix), the
// token in an Authorization header, never in a URL, and kept in sessionStorage (this tab only).

const TOKEN_KEY = 'ha-ingestor-token';

/** The API answered 401: the page asks for the token. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** The stored token, if any. */
export function getToken(): string | undefined {
  return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** Stores (or, with undefined, forgets) the token for this browser session. */
export function setToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

function headers(accept: string): Headers {
  const h = new Headers({ accept });
  const token = getToken();
  if (token !== undefined) h.set('authorization', `Bearer ${token}`);
  return h;
}

/** GETs `path` (relative, e.g. `api/v1/dashboard`) as JSON; 401 → {@link UnauthorizedError}. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`./${path}`, { headers: headers('application/json'), signal: signal ?? null });
  if (res.status === 401) throw new UnauthorizedError('the API token is missing or wrong (401)');
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/**
 * Reads the Server-Sent Events stream at `path` through fetch (EventSource cannot send an Authorization
 * header, and the token must not go in the URL) and calls `onEvent` with each `data:` JSON. Resolves when
 * the stream ends; rejects on 401 ({@link UnauthorizedError}) or a network error.
 */
export async function readEventStream(
  path: string,
  onEvent: (data: unknown) => void,
  onOpen: () => void,
  signal: AbortSignal,
): Promise<void> {
  const res = await fetch(`./${path}`, { headers: headers('text/event-stream'), signal, cache: 'no-store' });
  if (res.status === 401) throw new UnauthorizedError('the API token is missing or wrong (401)');
  if (!res.ok || res.body === null) throw new Error(`${path}: HTTP ${res.status}`);
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data === '') continue; // `: ping` comments keep the stream alive
      try {
        onEvent(JSON.parse(data));
      } catch {
        // A frame that is not JSON is skipped: the server only sends JSON, so this is a cut stream.
        continue;
      }
    }
  }
}
