import { z } from 'zod';
import { QUERY_PARAMS } from './http-query.js';
import { DashboardBody } from './dashboard-schema.js';
import * as S from './http-schemas.js';

/** One documented answer of a route: JSON validated by `schema`, or another content type. */
export interface RouteResponse {
  readonly description: string;
  readonly schema?: z.ZodType;
  readonly contentType?: string;
}

/** A route of the HTTP API: the table behind `GET /`, 404 answers, the README and the OpenAPI document. */
export interface RouteSpec {
  readonly path: string;
  readonly summary: string;
  /** True when API_TOKEN (if set) is required; false for the probe routes anyone may read. */
  readonly token: boolean;
  readonly responses: Readonly<Record<number, RouteResponse>>;
}

const error = (description: string): RouteResponse => ({ description, schema: S.ErrorBody });
const BAD_QUERY = error('Unknown, repeated or malformed query parameter');

/** Every route, in the order `GET /` lists them. All answer GET and HEAD; other methods get 405. */
export const ROUTES: readonly RouteSpec[] = [
  {
    path: '/',
    summary: 'Service name, version and routes (a browser asking for text/html gets the web dashboard)',
    token: false,
    responses: { 200: { description: 'Index', schema: S.IndexBody } },
  },
  {
    path: '/health',
    summary: 'Liveness: status, version, uptime and the last known state of every component (no I/O)',
    token: false,
    responses: {
      200: { description: 'ok or degraded', schema: S.HealthBody },
      503: { description: 'A component is down (e.g. a source failed fatally)', schema: S.HealthBody },
    },
  },
  {
    path: '/ready',
    summary: 'Readiness: every source connected and no sink down',
    token: false,
    responses: {
      200: { description: 'Ready', schema: S.ReadyBody },
      503: { description: 'A source is disconnected or a sink is down', schema: S.ReadyBody },
    },
  },
  {
    path: '/health/dependencies',
    summary: 'Runs every sink healthcheck now and reports response times',
    token: true,
    responses: {
      200: { description: 'Every dependency ok or degraded', schema: S.DependenciesBody },
      503: { description: 'A dependency is down', schema: S.DependenciesBody },
    },
  },
  {
    path: '/metrics',
    summary: 'Prometheus metrics (ha_ingestor_*)',
    token: true,
    responses: { 200: { description: 'Prometheus text exposition', contentType: 'text/plain' } },
  },
  {
    path: '/api/v1/events/recent',
    summary: 'The most recent processed events, newest first',
    token: true,
    responses: { 200: { description: 'Events', schema: S.RecentBody }, 400: BAD_QUERY },
  },
  {
    path: '/api/v1/events/stream',
    summary: 'Server-Sent Events of processed events as they happen',
    token: true,
    responses: {
      200: { description: 'An event stream (`event: state_changed`, JSON data)', contentType: 'text/event-stream' },
      400: BAD_QUERY,
      503: error('SSE_MAX_CLIENTS streams are open; Retry-After says when to try again'),
    },
  },
  {
    path: '/api/v1/stats',
    summary: 'Event counts, pipeline and SSE counters, per-source reconnects',
    token: true,
    responses: { 200: { description: 'Counters', schema: S.StatsBody }, 400: BAD_QUERY },
  },
  {
    path: '/api/v1/config',
    summary: 'The effective configuration, secrets masked',
    token: true,
    responses: { 200: { description: 'Configuration', schema: S.ConfigBody }, 400: BAD_QUERY },
  },
  {
    path: '/api/v1/export',
    summary:
      'A time range from the database (InfluxDB configured) as NDJSON, JSON, CSV, line protocol or Parquet, streamed as an attachment; without a database, the recent-events ring',
    token: true,
    responses: {
      200: {
        description: 'The export, in `format` (`Content-Disposition: attachment`)',
        contentType: 'application/x-ndjson',
      },
      400: error('Unknown, repeated or malformed query parameter; bad or reversed start/end; an unavailable format'),
      502: error('The database refused or failed the query before the first byte was sent'),
      503: error('Two exports are running; Retry-After says when to try again'),
    },
  },
  {
    path: '/api/v1/dashboard',
    summary: 'What the web dashboard shows: totals, events/s over 15 minutes, sources, sinks, lag, dead letters',
    token: true,
    responses: { 200: { description: 'Dashboard snapshot', schema: DashboardBody }, 400: BAD_QUERY },
  },
  {
    path: '/api/v1/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    token: true,
    responses: { 200: { description: 'OpenAPI 3.1', schema: S.OpenApiBody }, 400: BAD_QUERY },
  },
];

/** `GET /path?param&…` lines for `GET /` and 404 answers. */
export const ENDPOINTS: readonly string[] = ROUTES.map((r) => {
  const params = QUERY_PARAMS[r.path];
  return `GET ${r.path}${params === undefined ? '' : `?${params.join('&')}`}`;
});

const PARAM_DOC: Readonly<Record<string, { description: string; schema: Record<string, unknown> }>> = {
  limit: { description: 'How many events (1–10000)', schema: { type: 'integer', minimum: 1, maximum: 10_000 } },
  entity_id: { description: 'Only this entity', schema: { type: 'string', maxLength: 255 } },
  domain: { description: 'Only this domain (`sensor`)', schema: { type: 'string', maxLength: 255 } },
  event_type: { description: 'Only this event type', schema: { type: 'string', maxLength: 255 } },
  format: {
    description: 'Export format (`parquet` from the database only)',
    schema: { type: 'string', enum: ['ndjson', 'csv', 'lp', 'json', 'parquet'], default: 'ndjson' },
  },
  start: {
    description: 'Start of the range, ISO 8601 (inclusive); with a database, required',
    schema: { type: 'string', maxLength: 64 },
  },
  end: {
    description: 'End of the range, ISO 8601 (exclusive); with a database, required',
    schema: { type: 'string', maxLength: 64 },
  },
  entities: {
    description: 'Comma-separated entity ids or globs (`sensor.*_battery`)',
    schema: { type: 'string', maxLength: 16384 },
  },
};

/**
 * The OpenAPI 3.1 document, built from {@link ROUTES} and the zod schemas (`z.toJSONSchema`, whose
 * JSON Schema 2020-12 output OpenAPI 3.1 takes as is). It holds no configuration values, so it reveals
 * nothing beyond the version.
 */
export function buildOpenApi(version: string): Record<string, unknown> {
  const generated = z.toJSONSchema(S.apiSchemas, { uri: (id) => `#/components/schemas/${id}` });
  const schemas = Object.fromEntries(
    Object.entries(generated.schemas).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema;
      return [id, rest];
    }),
  );
  const idOf = (schema: z.ZodType): string | undefined => S.apiSchemas.get(schema)?.id;
  const paths: Record<string, unknown> = {};
  for (const route of ROUTES) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(route.responses)) {
      const id = r.schema === undefined ? undefined : idOf(r.schema);
      responses[status] = {
        description: r.description,
        content:
          id === undefined
            ? { [r.contentType ?? 'text/plain']: { schema: { type: 'string' } } }
            : { 'application/json': { schema: { $ref: `#/components/schemas/${id}` } } },
      };
    }
    if (route.token) {
      responses['401'] = { description: 'API_TOKEN is set and the bearer token is missing or wrong', ...jsonError };
      responses['403'] = { description: 'No API_TOKEN and the Host header is not loopback or allowed', ...jsonError };
    }
    const parameters = (QUERY_PARAMS[route.path] ?? []).map((name) => ({
      name,
      in: 'query',
      required: false,
      ...PARAM_DOC[name],
    }));
    const operation = (summary: string, answers: Record<string, unknown>) => ({
      summary,
      ...(parameters.length === 0 ? {} : { parameters }),
      ...(route.token ? {} : { security: [] }),
      responses: answers,
    });
    // HEAD answers what GET answers, without the body (HTTP semantics): the same statuses, no content.
    const headResponses = Object.fromEntries(
      Object.entries(responses).map(([status, r]) => [
        status,
        { description: (r as { description: string }).description },
      ]),
    );
    paths[route.path] = {
      get: operation(route.summary, responses),
      head: operation(`${route.summary} (headers only)`, headResponses),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ha-ingestor HTTP API',
      version,
      description:
        'Read-only: every route answers GET and HEAD, any other method 405 (the body is not read). Unknown paths 404, unknown or repeated query parameters 400.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN, when set' } },
    },
    security: [{ bearer: [] }],
  };
}

const jsonError = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
