// The core sink conformance suite, run against a real InfluxDB 1.x (v1) and VictoriaMetrics (v2).
import { testSink } from '@ha-ingestor/core/testing';
import type { StateChangedEvent } from '@ha-ingestor/core';
import { describe } from 'vitest';
import { influxSink } from '../../src/index.js';
import {
  createInfluxDatabase,
  influxRows,
  requireServices,
  servicesAvailable,
  uniqueName,
} from '../../../../test-support/services.js';
import { temperatureEvents } from './helpers.js';

let batchNo = 0;
/** Fresh events with new times on every call, so batches never overwrite each other. */
const sampleEvents = (): StateChangedEvent[] =>
  temperatureEvents(20, { start: 1_700_000_000_000_000 + 1000 * batchNo++ });

describe.skipIf(!servicesAvailable())('influxSink conformance', () => {
  let database = '';
  testSink({
    name: 'influx v1 (InfluxDB 1.6.7)',
    create: async () => {
      const { influxdb } = requireServices();
      database = uniqueName('conformance');
      await createInfluxDatabase(influxdb.url, database);
      return influxSink({ url: influxdb.url, apiVersion: '1', database });
    },
    sampleEvents,
    read: () => influxRows(requireServices().influxdb.url, database, 'SELECT * FROM "°C"'),
  });

  testSink({
    name: 'influx v2 (VictoriaMetrics)',
    create: () => influxSink({ url: requireServices().victoria.url, bucket: 'ha' }),
    sampleEvents,
  });
});
