// @ha-ingestor/ha-simulator: a protocol-faithful Home Assistant WebSocket API simulator.
export { createHaSimulator } from './server.js';
export type { HaSimulator, SimulatorFaults } from './server.js';
export { HaSimulatorOptionsSchema } from './options.js';
export type { HaSimulatorOptions, ResolvedHaSimulatorOptions } from './options.js';
export { createEventGenerator, createHomeGenerator } from './generator.js';
export type { EventGenerator, EventGeneratorOptions, HomeGenerator } from './generator.js';
export { createHome } from './home.js';
export type { SimulatedHome, AddEntityOptions, HomeOptions } from './home.js';
export type { HaConfigDict } from './home-config.js';
export type {
  Registries,
  EntityRegistryEntry,
  DeviceRegistryEntry,
  AreaRegistryEntry,
  FloorRegistryEntry,
  LabelRegistryEntry,
} from './registries.js';
export type { Recorder, RecorderRow } from './recorder.js';
export { createStatisticsStore } from './statistics-store.js';
export type {
  StatisticsStore,
  SimStatisticMeta,
  SimStatisticRow,
  SimMeanType,
  StatisticsFault,
  StatisticsWireFormat,
} from './statistics-store.js';
export { seedStatisticsScenario, STATISTICS_SCENARIO } from './statistics-scenario.js';
export type { SetStateOptions } from './state-machine.js';
export { compressState, stateDiff, stateDiffEvent } from './compressed.js';
export { getSignificantStates } from './history.js';
export type { HistoryQuery } from './history.js';
export { isoFromMicros, parseIsoToMicros, createSimClock, createVirtualClock } from './ha-time.js';
export type { SimClock } from './ha-time.js';
export { createRng } from './prng.js';
export type { Rng } from './prng.js';
export { ulidAt, isUlid } from './ulid.js';
export type {
  HaWireContext,
  HaWireState,
  HaWireEvent,
  StateChangedData,
  EmittedEvent,
  CompressedState,
  HistoryRow,
} from './types.js';
