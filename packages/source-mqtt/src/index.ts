export { mqttSource } from './mqtt-source.js';
export type { MqttSourceHooks } from './mqtt-source.js';
export {
  MqttSourceOptionsSchema,
  MqttSubscriptionSchema,
  StatestreamOptionsSchema,
  DiscoveryOptionsSchema,
  JsonDeviceOptionsSchema,
} from './options.js';
export type {
  MqttSourceOptions,
  ResolvedMqttSourceOptions,
  MqttSubscription,
  ResolvedMqttSubscription,
  MqttParserName,
} from './options.js';
export { STABLE_JSON_MAX_DEPTH, buildStateEvent, isValidEntityId, stableJson, stateText } from './parser.js';
export type { MqttMessage, MqttParser, ParseResult, SettledResult, ParserContext, StateEventInput } from './parser.js';
export { createSubscriptionParser, createAutoParser, BUILTIN_PARSERS } from './parsers/index.js';
export type { BuiltinParserName } from './parsers/index.js';
export { createStatestreamParser, parseStatestreamTopic } from './parsers/statestream.js';
export type { StatestreamParserOptions, StatestreamTopic } from './parsers/statestream.js';
export { createDiscoveryParser, parseDiscoveryTopic } from './parsers/discovery.js';
export type { DiscoveryParserOptions, DiscoveryTopic } from './parsers/discovery.js';
export { readDiscoveryConfig, expandConfig } from './parsers/discovery-config.js';
export type { DiscoveredEntity, ValueExtractor, DiscoveryConfigResult } from './parsers/discovery-config.js';
export { createJsonDeviceParser } from './parsers/json-device.js';
export type { JsonDeviceParserOptions } from './parsers/json-device.js';
export { createPlainParser } from './parsers/plain.js';
export type { PlainParserOptions } from './parsers/plain.js';
export {
  compileTopicPattern,
  topicMatches,
  topicNameProblem,
  renderTemplate,
  slugify,
  subscriptionFilter,
} from './topic.js';
export type { TopicPattern } from './topic.js';
export { decodeUtf8, parseJson, checkSize, rawPayload } from './payload.js';
export type { PayloadError, PayloadProblem } from './payload.js';
export { createAckWindow } from './ack-window.js';
export type { AckWindow, AckEntry, AckWindowOptions } from './ack-window.js';
export { clientOptions, defaultClientId, isAuthRefusal } from './connection.js';
export type { CreateMqttClient } from './connection.js';
export { createStatestreamPublisher, StatestreamPublisherOptionsSchema, pythonJson } from './statestream-publisher.js';
export type {
  StatestreamPublisher,
  StatestreamPublisherOptions,
  HaWireState,
  HaWireStateChanged,
} from './statestream-publisher.js';
