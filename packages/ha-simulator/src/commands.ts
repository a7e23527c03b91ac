import { compressState, stateDiffEvent } from './compressed.js';
import { CommandError, type Command, type FaultState, type SimConnection } from './connection.js';
import { generateEntityFilter, type FilterSide } from './entity-filter.js';
import { EXCLUDED_FROM_MATCH_ALL } from './event-bus.js';
import type { SimulatedHome } from './home.js';
import type { Rng } from './prng.js';
import { listForDisplay } from './registries.js';
import { callService, describeServices } from './services.js';
import type { CompressedState, EmittedEvent, StateChangedData } from './types.js';

/** What the command handlers work on. */
export interface CommandDeps {
  readonly home: SimulatedHome;
  readonly faults: FaultState;
  readonly rng: Rng;
}

/** `{"id":N,"type":"event","event":…}` with the event's cached JSON (HA's `cached_event_message`). */
export const eventMessage = (id: number, eventJson: string): string =>
  `{"id":${id},"type":"event","event":${eventJson}}`;

/** The core websocket_api commands plus the registry list commands. */
export function coreCommands(deps: CommandDeps): Map<string, Command> {
  const { home, faults } = deps;
  const commands = new Map<string, Command>();
  const add = (type: string, schema: Command['schema'], handler: Command['handler']): void =>
    void commands.set(type, { schema, handler });

  add('supported_features', { features: { type: 'dict', required: true } }, (conn, msg) => {
    const features = msg.features as Record<string, unknown>;
    // Key presence enables it: {"coalesce_messages": 0} turns coalescing on too.
    if ('coalesce_messages' in features) conn.enableCoalescing();
    conn.sendResult(msg.id);
  });

  add('ping', false, (conn, msg) => {
    if (!faults.ignorePings) conn.send(`{"id":${msg.id},"type":"pong"}`);
  });

  // components/auth: the user the connection authenticated as (the JS client's getUser(), Node-RED).
  add('auth/current_user', false, (conn, msg) =>
    conn.sendResult(msg.id, {
      id: conn.userId,
      name: 'Simulator admin',
      is_owner: true,
      is_admin: true,
      credentials: [{ auth_provider_type: 'homeassistant', auth_provider_id: null }],
      mfa_modules: [{ id: 'totp', name: 'Authenticator app', enabled: false }],
    }),
  );

  add('get_states', false, (conn, msg) => conn.sendResult(msg.id, home.getStates()));
  add('get_config', false, (conn, msg) => conn.sendResult(msg.id, home.config));
  add('get_services', false, (conn, msg) => conn.sendResult(msg.id, describeServices()));

  add('subscribe_events', { event_type: { type: 'str' } }, (conn, msg) => {
    const eventType = typeof msg.event_type === 'string' ? msg.event_type : '*';
    // HA: a non-admin user may only subscribe to SUBSCRIBE_ALLOWLIST; anything else raises Unauthorized.
    if (faults.refusedEventTypes.has(eventType)) throw new CommandError('unauthorized', 'Unauthorized');
    if (eventType !== '*' && EXCLUDED_FROM_MATCH_ALL.has(eventType)) {
      throw new CommandError('unknown_error', `Event filter is required for event ${eventType}`);
    }
    conn.subscriptions.set(
      msg.id,
      home.bus.listen(eventType, (e) => conn.send(eventMessage(msg.id, e.json))),
    );
    conn.sendResult(msg.id);
  });

  add('unsubscribe_events', { subscription: { type: 'positive_int', required: true } }, (conn, msg) => {
    const subscription = Number(msg.subscription);
    const unsub = conn.subscriptions.get(subscription);
    if (unsub === undefined) throw new CommandError('not_found', 'Subscription not found.');
    conn.subscriptions.delete(subscription);
    unsub();
    conn.sendResult(msg.id);
  });

  add(
    'subscribe_entities',
    { entity_ids: { type: 'entity_ids' }, include: { type: 'dict' }, exclude: { type: 'dict' } },
    (conn, msg) => subscribeEntities(home, conn, msg),
  );

  add('fire_event', { event_type: { type: 'str', required: true }, event_data: { type: 'dict' } }, (conn, msg) => {
    const context = home.newContext({ userId: conn.userId });
    home.fireEvent(String(msg.event_type), (msg.event_data as Record<string, unknown> | undefined) ?? {}, { context });
    conn.sendResult(msg.id, { context });
  });

  add(
    'call_service',
    {
      domain: { type: 'str', required: true },
      service: { type: 'str', required: true },
      target: { type: 'dict' },
      service_data: { type: 'dict' },
      return_response: { type: 'bool' },
    },
    (conn, msg) => {
      const domain = String(msg.domain);
      const service = String(msg.service);
      const context = home.newContext({ userId: conn.userId });
      if (msg.return_response === true) {
        throw new CommandError(
          'service_validation_error',
          "An action which does not return responses can't be called with return_response=True",
          {
            key: 'service_does_not_support_response',
            domain: 'homeassistant',
            placeholders: { return_response: 'return_response=True' },
          },
        );
      }
      callService(
        home,
        deps.rng,
        domain,
        service,
        (msg.service_data as Record<string, unknown> | undefined) ?? {},
        msg.target as Record<string, unknown> | undefined,
        context,
      );
      conn.sendResult(msg.id, { context });
    },
  );

  // Registries (config/*_registry/list). Entity and device lists are concatenated JSON in HA, with
  // spaces in the envelope; we reproduce the bytes.
  add('config/entity_registry/list', false, (conn, msg) =>
    conn.send(
      `{"id":${msg.id},"type": "result","success":true,"result": [${[...home.registries.entities.values()].map((e) => JSON.stringify(e)).join(',')}]}`,
    ),
  );
  add('config/entity_registry/list_for_display', false, (conn, msg) =>
    conn.sendResult(msg.id, listForDisplay(home.registries)),
  );
  add('config/entity_registry/get', { entity_id: { type: 'str', required: true } }, (conn, msg) => {
    const entry = home.registries.entities.get(String(msg.entity_id));
    if (entry === undefined) throw new CommandError('not_found', 'Entity not found');
    const state = home.getState(entry.entity_id);
    conn.sendResult(msg.id, {
      ...entry,
      aliases: [],
      capabilities: null,
      device_class: null,
      original_device_class: state?.attributes.device_class ?? null,
      original_icon: null,
    });
  });
  add('config/device_registry/list', false, (conn, msg) =>
    conn.send(
      `{"id":${msg.id},"type": "result","success":true,"result": [${[...home.registries.devices.values()].map((d) => JSON.stringify(d)).join(',')}]}`,
    ),
  );
  add('config/area_registry/list', false, (conn, msg) => conn.sendResult(msg.id, [...home.registries.areas.values()]));
  add('config/floor_registry/list', false, (conn, msg) =>
    conn.sendResult(msg.id, [...home.registries.floors.values()]),
  );
  add('config/label_registry/list', false, (conn, msg) =>
    conn.sendResult(msg.id, [...home.registries.labels.values()]),
  );
  return commands;
}

// --- internal ---

// commands.py handle_subscribe_entities: listener registered first, then result, then the "a" snapshot.
function subscribeEntities(
  home: SimulatedHome,
  conn: SimConnection,
  msg: Readonly<Record<string, unknown>> & { id: number },
): void {
  const raw = msg.entity_ids;
  const ids =
    raw === undefined
      ? undefined
      : new Set((typeof raw === 'string' ? raw.split(',') : (raw as string[])).map((s) => s.trim().toLowerCase()));
  const entityFilter = generateEntityFilter(
    msg.include as FilterSide | undefined,
    msg.exclude as FilterSide | undefined,
  );
  // _forward_entity_changes: both the entity_ids list and the include/exclude filter must pass.
  const wanted = (id: string): boolean =>
    (ids === undefined || ids.size === 0 || ids.has(id)) && (entityFilter === undefined || entityFilter(id));
  const listener = (e: EmittedEvent): void => {
    const data = e.event.data as StateChangedData;
    if (!wanted(data.entity_id)) return;
    conn.send(eventMessage(msg.id, JSON.stringify(stateDiffEvent(data))));
  };
  conn.subscriptions.set(msg.id, home.bus.listen('state_changed', listener));
  conn.sendResult(msg.id);
  const snapshot: Record<string, CompressedState> = {};
  for (const s of home.getStates()) if (wanted(s.entity_id)) snapshot[s.entity_id] = compressState(s);
  conn.send(eventMessage(msg.id, JSON.stringify({ a: snapshot })));
}
