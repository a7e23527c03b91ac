/** A stored attribute value as the database holds it. */
export type StoredValue = string | number | boolean;

/**
 * One stored state point, read back: the inverse of the sink's state schemas. `state` is the stored
 * `state` field (the `ha` schema stores a numeric state only as `value`, so there it is null), `value`
 * the stored number, `unit` the unit the point was filed under. Attributes keep their stored types.
 */
export interface StoredStateRow {
  /** Epoch microseconds. */
  readonly time: number;
  /** `domain.object_id`. */
  readonly entity_id: string;
  readonly domain: string;
  readonly state: string | null;
  readonly value: number | null;
  readonly unit: string | null;
  readonly attributes: Readonly<Record<string, StoredValue>>;
}

/** Which of the sink's state schemas the data was written with. */
export type StoredSchemaKind = 'ha' | 'entity';

/**
 * Rebuilds a row from one point (measurement, tags, non-null fields). Returns undefined for points that
 * are not state points (no entity tag: events, or data other tools wrote).
 *
 * - `ha`: tags `domain` + `entity_id` (object id); the measurement is the unit unless it is the entity id
 *   itself (HA's fallback for unit-less entities) or `unit_of_measurement_str` was stored as a field.
 *   An attribute stored as `<key>_str` (text) is read back as `<key>` (its numeric digit-tail twin is
 *   dropped), `time_` as `time`; other tags (tagsAttributes, static tags) become string attributes.
 * - `entity`: tags `entity_id` (full id), `domain`, `unit`; other tags (device_class, state_class,
 *   area, …) and fields become attributes, `time_`/`state_`/`value_` lose their suffix.
 */
export function toStoredRow(
  kind: StoredSchemaKind,
  measurement: string,
  tags: Readonly<Record<string, string>>,
  fields: Readonly<Record<string, StoredValue>>,
  time: number,
): StoredStateRow | undefined {
  return kind === 'ha' ? haRow(measurement, tags, fields, time) : entityRow(tags, fields, time);
}

// --- internal ---

function haRow(
  measurement: string,
  tags: Readonly<Record<string, string>>,
  fields: Readonly<Record<string, StoredValue>>,
  time: number,
): StoredStateRow | undefined {
  const domain = tags['domain'];
  const objectId = tags['entity_id'];
  if (domain === undefined || objectId === undefined || domain === '' || objectId === '') return undefined;
  const entityId = `${domain}.${objectId}`;
  const attributes: Record<string, StoredValue> = Object.create(null) as Record<string, StoredValue>;
  for (const key in tags) if (key !== 'domain' && key !== 'entity_id') attributes[key] = tags[key] as string;
  const texts = new Set<string>();
  for (const key in fields) {
    if (key.endsWith('_str') && key.length > 4 && typeof fields[key] === 'string') texts.add(key.slice(0, -4));
  }
  let unit: string | null = measurement === entityId ? null : measurement;
  for (const key in fields) {
    if (key === 'state' || key === 'value') continue;
    const stored = fields[key] as StoredValue;
    if (texts.has(key) || (key === 'time_' && texts.has('time'))) continue; // the digit tail of a text attribute
    let name = key.endsWith('_str') && texts.has(key.slice(0, -4)) ? key.slice(0, -4) : key;
    if (name === 'time_') name = 'time';
    if (name === 'unit_of_measurement' && typeof stored === 'string') {
      unit = stored;
      continue;
    }
    attributes[name] = stored;
  }
  return {
    time,
    entity_id: entityId,
    domain,
    state: typeof fields['state'] === 'string' ? fields['state'] : null,
    value: typeof fields['value'] === 'number' ? fields['value'] : null,
    unit,
    attributes,
  };
}

function entityRow(
  tags: Readonly<Record<string, string>>,
  fields: Readonly<Record<string, StoredValue>>,
  time: number,
): StoredStateRow | undefined {
  const entityId = tags['entity_id'];
  if (entityId === undefined || entityId === '') return undefined;
  const dot = entityId.indexOf('.');
  const domain = tags['domain'] ?? (dot > 0 ? entityId.slice(0, dot) : '');
  const attributes: Record<string, StoredValue> = Object.create(null) as Record<string, StoredValue>;
  for (const key in tags) {
    if (key !== 'entity_id' && key !== 'domain' && key !== 'unit') attributes[key] = tags[key] as string;
  }
  for (const key in fields) {
    if (key === 'state' || key === 'value') continue;
    const name = key === 'time_' || key === 'state_' || key === 'value_' ? key.slice(0, -1) : key;
    attributes[name] = fields[key] as StoredValue;
  }
  return {
    time,
    entity_id: entityId,
    domain,
    state: typeof fields['state'] === 'string' ? fields['state'] : null,
    value: typeof fields['value'] === 'number' ? fields['value'] : null,
    unit: tags['unit'] ?? null,
    attributes,
  };
}
