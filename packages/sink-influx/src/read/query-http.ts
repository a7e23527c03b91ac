import { ErrorCode, SdkError, errorMessage, maskUrl, redactSecrets } from '@ha-ingestor/core';

/** Where and how to send one query request (secrets only in headers, never in the URL). */
export interface QueryRequest {
  readonly baseUrl: string;
  /** Path and query relative to the base URL, e.g. `/query?db=ha&chunked=true`. */
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal: AbortSignal;
  /** No first byte within this time → TIMEOUT. */
  readonly timeoutMs: number;
  /** Longest line accepted; a longer one is a PROTOCOL_ERROR instead of unbounded buffering. */
  readonly maxLineBytes: number;
  readonly stage: string;
}

/**
 * Sends a query and yields the response body line by line as the server streams it. Nothing is read
 * ahead of the consumer: the next network chunk is pulled only when the lines of the previous one are
 * consumed, so a slow consumer slows the server down (TCP backpressure) instead of filling memory.
 * Errors carry the masked URL and the server's message, never the token or password.
 */
export async function* queryLines(req: QueryRequest): AsyncGenerator<string> {
  const where = `${req.method} ${maskUrl(req.baseUrl.replace(/\/+$/, ''))}${req.path.split('?')[0] ?? ''}`;
  // Own controller (not AbortSignal.any: Node 20 may collect a composite signal and miss the abort); the
  // timeout covers the wait for the response head only, a long export may stream for hours.
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort();
  // guard-exempt: controller.abort() does not throw; fetch turns it into a rejection we map below
  req.signal.addEventListener('abort', onAbort, { once: true });
  if (req.signal.aborted) controller.abort();
  // guard-exempt: sets a flag and aborts our own controller; neither can throw
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, req.timeoutMs);
  const why = { aborted: () => req.signal.aborted, timedOut: () => timedOut };
  try {
    let response: Response;
    try {
      response = await fetch(`${req.baseUrl.replace(/\/+$/, '')}${req.path}`, {
        method: req.method,
        headers: req.headers,
        ...(req.body === undefined ? {} : { body: req.body }),
        signal: controller.signal,
      });
    } catch (error) {
      throw transportError(error, where, req, why);
    } finally {
      clearTimeout(timer);
    }
    yield* bodyLines(response, req, where, why);
  } finally {
    req.signal.removeEventListener('abort', onAbort);
    controller.abort(); // releases the connection if the consumer stopped early
  }
}

interface Why {
  readonly aborted: () => boolean;
  readonly timedOut: () => boolean;
}

async function* bodyLines(response: Response, req: QueryRequest, where: string, why: Why): AsyncGenerator<string> {
  if (response.status < 200 || response.status > 299) {
    const text = await boundedText(response, 2048);
    throw statusError(response.status, text, where, req.stage);
  }
  if (response.body === null) return;
  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let pending = '';
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      if (why.aborted()) throw transportError(undefined, where, req, why);
      try {
        chunk = await reader.read();
      } catch (error) {
        throw transportError(error, where, req, why);
      }
      pending += chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      let start = 0;
      for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
        if (why.aborted()) throw transportError(undefined, where, req, why);
        yield pending.slice(start, nl);
        start = nl + 1;
      }
      pending = pending.slice(start);
      if (pending.length > req.maxLineBytes) {
        throw new SdkError(
          ErrorCode.PROTOCOL_ERROR,
          `${where}: a response line is longer than ${req.maxLineBytes} bytes`,
          {
            stage: req.stage,
            retryable: false,
          },
        );
      }
      if (chunk.done) break;
    }
    if (pending.length > 0) yield pending;
  } finally {
    // The consumer stopped early (break, error, abort): the caller's controller.abort() ends the body.
    reader.releaseLock();
  }
}

// --- internal ---

function transportError(error: unknown, where: string, req: QueryRequest, why: Why): SdkError {
  if (why.aborted())
    return new SdkError(ErrorCode.ABORTED, `${where}: aborted`, { stage: req.stage, retryable: false });
  if (why.timedOut())
    return new SdkError(ErrorCode.TIMEOUT, `${where}: no answer within ${req.timeoutMs} ms`, {
      stage: req.stage,
      retryable: true,
    });
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown }).code;
  return new SdkError(
    ErrorCode.CONNECTION_LOST,
    `${where} failed: ${typeof code === 'string' ? code : redactSecrets(errorMessage(cause))}`,
    { stage: req.stage, retryable: true },
  );
}

function statusError(status: number, body: string, where: string, stage: string): SdkError {
  const message = serverError(body);
  const text = `${where}: HTTP ${status}${message === '' ? '' : `: ${message}`}`;
  if (status === 401 || status === 403) return new SdkError(ErrorCode.AUTH_FAILED, text, { stage, retryable: false });
  const retryable = status === 429 || status >= 500;
  return new SdkError(retryable ? ErrorCode.SINK_UNAVAILABLE : ErrorCode.COMMAND_FAILED, text, {
    stage,
    retryable,
    data: { status },
  });
}

/** The server's `error`/`message` text (JSON bodies of 1.x and 2.x), cut to 300 characters, secret-free. */
export function serverError(body: string): string {
  let text = body.trim();
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object') {
      const o = parsed as Record<string, unknown>;
      const m = o['error'] ?? o['message'];
      if (typeof m === 'string') text = m;
    }
  } catch {
    // not JSON: the text as it is
  }
  return redactSecrets(text.length > 300 ? `${text.slice(0, 300)}…` : text);
}

async function boundedText(response: Response, max: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
  } catch {
    // the error body is a courtesy: a broken one leaves the status alone
  } finally {
    await reader.cancel().catch((error: unknown) => void error);
  }
  return Buffer.concat(parts).toString('utf8').slice(0, max);
}
