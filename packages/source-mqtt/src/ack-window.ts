/** One received message in the {@link AckWindow}. */
export interface AckEntry {
  /** The pipeline handled the message (or it was dropped on purpose): it may be acknowledged. */
  readonly handled: () => void;
  /** The pipeline could not make it durable: it must not be acknowledged. */
  readonly failed: (error: unknown) => void;
}

/** Options of {@link createAckWindow}. */
export interface AckWindowOptions {
  /** Most entries held (handled or not) before {@link AckWindow.waitForRoom} blocks. */
  readonly max: number;
  /** Sends the PUBACK of a QoS 1 message; called in receive order. */
  readonly sendAck: (messageId: number) => void;
  /** Called once, on the first failed entry: the connection should be dropped so the broker redelivers. */
  readonly onFailure: (error: unknown) => void;
}

/** Ordered acknowledgements of one connection, bounded. */
export interface AckWindow {
  /**
   * Registers a received message (messageId `undefined` for QoS 0, which has nothing to acknowledge);
   * `tag` is the caller's own id of the message, reported by {@link AckWindow.head}.
   */
  readonly add: (messageId: number | undefined, tag?: number) => AckEntry;
  /** The `tag` of the oldest message not yet acknowledged: the one every later PUBACK waits for. */
  readonly head: () => number | undefined;
  /** Entries held: received and not yet acknowledged (QoS 0 entries until handled). */
  readonly size: () => number;
  /** Resolves when fewer than `max` entries are held (at once when there is room, or when abandoned). */
  readonly waitForRoom: () => Promise<void>;
  /** The connection is gone: forget every entry; later `handled()` calls do nothing (the broker redelivers). */
  readonly abandon: () => void;
  /** Acknowledgements sent so far. */
  readonly acked: () => number;
}

/**
 * The acknowledgement window of one MQTT connection. MQTT requires PUBACKs in the order the PUBLISH
 * packets arrived (MQTT 3.1.1 §4.6, MQTT 5 §4.6), so an entry handled early waits for the ones before it.
 * At `max` held entries the source stops reading (see {@link AckWindow.waitForRoom}), which keeps memory flat.
 * Entries belong to one connection: message ids are reused after a reconnect, so a late ack for an
 * abandoned connection must never be sent on the next one.
 */
export function createAckWindow(options: AckWindowOptions): AckWindow {
  interface Slot {
    readonly messageId: number | undefined;
    readonly tag: number | undefined;
    done: boolean;
  }
  let slots: Slot[] = [];
  let head = 0;
  let abandoned = false;
  let failed = false;
  let acked = 0;
  let waiters: (() => void)[] = [];

  const held = () => slots.length - head;
  const wake = () => {
    if (held() >= options.max && !abandoned) return;
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve();
  };
  const drain = () => {
    while (head < slots.length) {
      const slot = slots[head];
      if (slot === undefined || !slot.done) break;
      head++;
      if (slot.messageId !== undefined) {
        acked++;
        options.sendAck(slot.messageId);
      }
    }
    if (head > 1024 && head * 2 > slots.length) {
      slots = slots.slice(head);
      head = 0;
    }
    wake();
  };

  return {
    add: (messageId, tag) => {
      const slot: Slot = { messageId, tag, done: false };
      slots.push(slot);
      let settled = false;
      return {
        handled: () => {
          if (settled || abandoned) return;
          settled = true;
          slot.done = true;
          // A failed entry blocks the window for good: nothing after it may be acknowledged.
          if (!failed) drain();
        },
        failed: (error) => {
          if (settled || abandoned) return;
          settled = true;
          if (!failed) {
            failed = true;
            options.onFailure(error);
          }
        },
      };
    },
    size: held,
    head: () => slots[head]?.tag,
    waitForRoom: () =>
      held() < options.max || abandoned ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve)),
    abandon: () => {
      abandoned = true;
      slots = [];
      head = 0;
      wake();
    },
    acked: () => acked,
  };
}
