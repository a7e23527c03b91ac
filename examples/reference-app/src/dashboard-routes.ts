import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Guard, Pipeline } from '@ha-ingestor/core';
import { createDashboardAssets, DASHBOARD_PREFIX, findDashboardDir, wantsHtml } from './dashboard-assets.js';
import { createDashboardStatus, type DashboardSnapshot } from './dashboard-status.js';
import type { NatsLinkReport } from './roles.js';
import type { RecentEvent } from './recent.js';
import type { SourceStatusTracker } from './source-status.js';

/** What the dashboard's routes need from the HTTP API. */
export interface DashboardRoutesDeps {
  readonly pipeline: Pipeline;
  readonly sources: SourceStatusTracker;
  readonly onEvents: (listener: (events: readonly RecentEvent[]) => void) => () => void;
  readonly version: string;
  readonly guard: Guard;
  readonly now: () => number;
  readonly deadLetterPath?: string | undefined;
  /** INGESTOR_ROLE=edge/writer: the NATS link (issue 16). */
  readonly nats?: (() => NatsLinkReport) | undefined;
  /** The built page's folder; default: found by {@link findDashboardDir}. */
  readonly dir?: string | undefined;
}

/** The dashboard's part of the HTTP API (issue 15), registered in http-api.ts at two points. */
export interface DashboardRoutes {
  /**
   * Before the access check: `GET /` from a browser (`Accept: text/html`) gets the page, and
   * `/dashboard/*` its static files. They hold no data, so they need no token: the page asks for it.
   */
  readonly servePage: (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean>;
  /** `/api/v1/dashboard`, after the access check. */
  readonly snapshot: () => Promise<DashboardSnapshot>;
  readonly close: () => void;
}

/** The path of the snapshot route. */
export const DASHBOARD_API_PATH = '/api/v1/dashboard';

/** Creates the dashboard routes and starts its once-a-second rate sampler. */
export function createDashboardRoutes(deps: DashboardRoutesDeps): DashboardRoutes {
  const assets = createDashboardAssets(deps.dir ?? findDashboardDir());
  const status = createDashboardStatus(deps);
  return {
    servePage: async (req, res, path) => {
      if (path === '/') return wantsHtml(req) && assets.serve('index.html', req, res);
      if (!path.startsWith(DASHBOARD_PREFIX)) return false;
      return assets.serve(path.slice(DASHBOARD_PREFIX.length), req, res);
    },
    snapshot: status.snapshot,
    close: status.close,
  };
}
