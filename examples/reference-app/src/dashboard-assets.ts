import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the page's built files are served from (below the app's base, whatever prefix a proxy adds). */
export const DASHBOARD_PREFIX = '/dashboard/';

/** The files `scripts/build-dashboard.mjs` writes, with their content types: nothing else is served. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/**
 * The built dashboard (issue 15): `dist/dashboard/` beside the bundled CLI (`dist/cli.js`), or, when the
 * app runs from its sources (tests, `npm run dev`), `../dist/dashboard/` from `src/`. Undefined when it
 * has not been built.
 */
export function findDashboardDir(moduleUrl: string = import.meta.url): string | undefined {
  const here = dirname(fileURLToPath(moduleUrl));
  return [join(here, 'dashboard'), join(here, '..', 'dist', 'dashboard')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  );
}

/**
 * True when the client asked for HTML (a browser navigating to `/`); API clients (`Accept: application/json`,
 * `*∕*`, none) keep the JSON index.
 */
export function wantsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/i.test(req.headers.accept ?? '');
}

/** Serves the dashboard's static files, precompressed (`.gz`) when the client accepts gzip. */
export interface DashboardAssets {
  /** Serves `name` (`index.html`, `app.js`, `app.css`); false when it is not one of them. */
  readonly serve: (name: string, req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

/** Creates the asset server over `dir` (see {@link findDashboardDir}); files are read once and kept. */
export function createDashboardAssets(dir: string | undefined): DashboardAssets {
  const cache = new Map<string, { plain: Buffer; gzip: Buffer | undefined }>();
  const load = async (name: string) => {
    let entry = cache.get(name);
    if (entry === undefined && dir !== undefined) {
      const plain = await readFile(join(dir, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      });
      if (plain === undefined) return undefined;
      const gzip = await readFile(join(dir, `${name}.gz`)).catch(() => undefined);
      cache.set(name, (entry = { plain, gzip }));
    }
    return entry;
  };
  return {
    serve: async (name, req, res) => {
      const type = FILES[name];
      if (type === undefined) return false;
      const entry = await load(name);
      if (entry === undefined) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        res.end('The dashboard is not built: run `npm run build` in examples/reference-app (the JSON API works).\n');
        return true;
      }
      const gzip = entry.gzip !== undefined && /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
      const body = gzip ? (entry.gzip as Buffer) : entry.plain;
      res.writeHead(200, {
        'content-type': type,
        'content-length': body.length,
        vary: 'accept-encoding',
        'x-content-type-options': 'nosniff',
        // index.html names the files without a hash: revalidate rather than pin an old build.
        'cache-control': 'no-cache',
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        ...(name === 'index.html' ? PAGE_HEADERS : {}),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    },
  };
}

// --- internal ---

/**
 * Only our own files and same-origin requests: no inline script, no third-party origin (the page needs
 * no CDN), not framable except by the same origin (HA's ingress panel is same-origin).
 */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
};
