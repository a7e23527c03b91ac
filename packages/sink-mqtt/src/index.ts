// @ha-ingestor/sink-mqtt: republishes enriched events as JSON on MQTT, acknowledged on PUBACK.
export { mqttSink } from './mqtt-sink.js';
export type { MqttSinkEvent } from './mqtt-sink.js';
export { MqttSinkOptionsSchema } from './options.js';
export type { MqttSinkOptions, ResolvedMqttSinkOptions } from './options.js';
export { topicOf, sanitiseLevel, EVENTS_LEVEL } from './topic.js';
export type { TopicEvent } from './topic.js';
