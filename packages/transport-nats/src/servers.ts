import { ErrorCode, SdkError } from '@ha-ingestor/core';

/** Credentials for the NATS client: user/password or a token (never both from one URL). */
export type NatsCredentials =
  | { readonly user: string; readonly pass: string; readonly token?: undefined }
  | { readonly token: string; readonly user?: undefined; readonly pass?: undefined };

/** A server list split into URLs without credentials and the credentials the URLs carried. */
export interface ParsedServers {
  /** The URLs as the client gets them: trimmed, userinfo removed. */
  readonly servers: string[];
  /** The credentials of the URLs (the same on every URL that has any), or undefined when none has. */
  readonly credentials: NatsCredentials | undefined;
}

// `scheme://userinfo@rest`, the scheme optional (the client accepts `host:port`). The userinfo is everything
// before the last `@` of the authority (which ends at the first `/`), as a URL parser reads it.
const USERINFO = /^((?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/)?([^/]*)@(.*)$/;

/**
 * Takes the credentials out of NATS server URLs, because the official client reads none from a URL:
 * `nats://user:password@host:4222` gives user/password, `nats://token@host:4222` a token (both
 * percent-decoded; text that is not valid percent-encoding is taken as written). A comma-separated string is
 * split. URLs without credentials use those of the others (NATS authenticates the same way on every node);
 * two URLs with different credentials are a CONFIG_INVALID error, whose message never contains them.
 */
export function parseServers(servers: string | readonly string[]): ParsedServers {
  const list = (typeof servers === 'string' ? servers.split(',') : [...servers])
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  let credentials: NatsCredentials | undefined;
  let from: string | undefined;
  const out = list.map((url) => {
    const m = USERINFO.exec(url);
    if (m === null) return url;
    const scheme = m[1] ?? '';
    const userinfo = m[2] ?? '';
    const stripped = `${scheme}${m[3] ?? ''}`;
    if (userinfo === '') return stripped;
    const colon = userinfo.indexOf(':');
    const these: NatsCredentials =
      colon === -1
        ? { token: decode(userinfo) }
        : { user: decode(userinfo.slice(0, colon)), pass: decode(userinfo.slice(colon + 1)) };
    if (credentials === undefined) {
      credentials = these;
      from = stripped;
    } else if (!sameCredentials(credentials, these)) {
      throw new SdkError(
        ErrorCode.CONFIG_INVALID,
        `NATS servers ${from ?? ''} and ${stripped} carry different credentials; a cluster authenticates the same way on every node: give them once (in one URL, or as user/pass or token)`,
      );
    }
    return stripped;
  });
  return { servers: out, credentials };
}

/**
 * The credentials to connect with: the explicit `user`/`pass`/`token` options when any is set (they win,
 * the URLs' are ignored), else those of the URLs.
 */
export function credentialsOf(
  options: {
    readonly user?: string | undefined;
    readonly pass?: string | undefined;
    readonly token?: string | undefined;
  },
  parsed: ParsedServers,
): { user?: string; pass?: string; token?: string } {
  const { user, pass, token } = options;
  if (user !== undefined || pass !== undefined || token !== undefined)
    return {
      ...(user === undefined ? {} : { user }),
      ...(pass === undefined ? {} : { pass }),
      ...(token === undefined ? {} : { token }),
    };
  const c = parsed.credentials;
  if (c === undefined) return {};
  return c.token === undefined ? { user: c.user, pass: c.pass } : { token: c.token };
}

// --- internal ---

function sameCredentials(a: NatsCredentials, b: NatsCredentials): boolean {
  return a.token === b.token && a.user === b.user && a.pass === b.pass;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // not valid percent-encoding: as written
  }
}
