/** What both NATS components report about their link (for `/health`, `/ready` and `/metrics` of an app). */
export interface NatsLinkStatus {
  /** True while the client holds a connection to a server. */
  readonly connected: boolean;
  /** `host:port` of the server in use, or null when not connected. Never carries credentials. */
  readonly server: string | null;
}

/** `natsSink`'s status: the link plus its publish counters since creation. */
export interface NatsSinkStatus extends NatsLinkStatus {
  /** Publishes sent and not yet acknowledged (PubAck) by JetStream. */
  readonly pendingAcks: number;
  /** Events JetStream stored (PubAck, duplicates excluded). */
  readonly published: number;
  /** Events JetStream acknowledged as duplicates of a Msg-Id in its window (a replay absorbed). */
  readonly duplicates: number;
  /** Publishes that failed (timeout, no responders, lost connection); their batch is retried by core. */
  readonly failed: number;
}

/** `natsSource`'s status: the link plus its consumer counters since creation. */
export interface NatsSourceStatus extends NatsLinkStatus {
  /** Messages this source received and has not acknowledged yet (in the pipeline). */
  readonly pendingAcks: number;
  /**
   * Messages of the stream the durable consumer has not delivered yet (`num_pending` of the last consumer
   * info, refreshed every few seconds): the backlog all writers share. Undefined before the first refresh.
   */
  readonly streamLag?: number | undefined;
  /** Messages acknowledged after the pipeline handled them. */
  readonly acked: number;
  /** Messages negatively acknowledged (pipeline failure): redelivered after `nakDelayMs`. */
  readonly naked: number;
  /** Messages received that JetStream marked as redelivered. */
  readonly redelivered: number;
  /** Messages that could not be decoded: dead-lettered and terminated (never redelivered). */
  readonly invalid: number;
  /** Messages received and not yet handed to the pipeline (the in-process buffer, at most `maxBuffered`). */
  readonly buffered: number;
  /** Times the buffer reached `maxBuffered` and the source stopped pulling until the pipeline took some. */
  readonly bufferFull: number;
}
