/**
 * `@ha-ingestor/source-ws/simulator`, kept so that 0.1.0 imports keep working: the HA simulator moved to
 * its own package, `@ha-ingestor/ha-simulator` (issue 12), and this subpath only re-exports it under the
 * same names. `@ha-ingestor/ha-simulator` is an optional peer dependency: install it to use this subpath.
 *
 * @deprecated Import from `@ha-ingestor/ha-simulator` instead; this subpath may be removed in a future release.
 */
export {
  createHaSimulator,
  HaSimulatorOptionsSchema,
  createEventGenerator,
  createHomeGenerator,
  createHome,
  compressState,
  stateDiff,
  stateDiffEvent,
  getSignificantStates,
  isoFromMicros,
  parseIsoToMicros,
  createSimClock,
  createVirtualClock,
  createRng,
  ulidAt,
  isUlid,
} from '@ha-ingestor/ha-simulator';
export type {
  HaSimulator,
  SimulatorFaults,
  HaSimulatorOptions,
  ResolvedHaSimulatorOptions,
  EventGenerator,
  EventGeneratorOptions,
  HomeGenerator,
  SimulatedHome,
  AddEntityOptions,
  HomeOptions,
  HaConfigDict,
  Registries,
  EntityRegistryEntry,
  DeviceRegistryEntry,
  AreaRegistryEntry,
  FloorRegistryEntry,
  LabelRegistryEntry,
  Recorder,
  RecorderRow,
  SetStateOptions,
  HistoryQuery,
  SimClock,
  Rng,
  HaWireContext,
  HaWireState,
  HaWireEvent,
  StateChangedData,
  EmittedEvent,
  CompressedState,
  HistoryRow,
} from '@ha-ingestor/ha-simulator';
