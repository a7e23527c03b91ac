import { describe, expect, it } from 'vitest';
import { AckGroup, type AckTracker, failAll, releaseAll, retainAll } from './ack.js';
import { ErrorCode, SdkError } from '../model/errors.js';

function setup() {
  const reported: unknown[] = [];
  const tracker: AckTracker = { open: new Set(), report: (e) => reported.push(e) };
  const calls: string[] = [];
  const ack = { onHandled: () => calls.push('handled'), onFailed: (e: SdkError) => calls.push(`failed:${e.code}`) };
  return { tracker, reported, calls, ack };
}
const err = new SdkError(ErrorCode.SINK_UNAVAILABLE, 'down');

describe('AckGroup', () => {
  it('handles once every obligation (events plus sink taps) is released', () => {
    const { tracker, calls, ack } = setup();
    const g = new AckGroup(ack, 2, tracker);
    g.retain(2); // both events reached one sink
    g.release(2); // both left the stages
    expect(calls).toEqual([]);
    g.release(1);
    expect(calls).toEqual([]);
    g.release(1);
    expect(calls).toEqual(['handled']);
    g.release(1);
    expect(calls).toEqual(['handled']);
    expect(tracker.open.size).toBe(0);
  });

  it('fails once and never handles afterwards', () => {
    const { tracker, calls, ack } = setup();
    const g = new AckGroup(ack, 2, tracker);
    g.fail(err);
    g.fail(err);
    g.release(2);
    expect(calls).toEqual(['failed:SINK_UNAVAILABLE']);
    expect(g.done).toBe(true);
  });

  it('lets a per-event group settle into its parent: handled or failed once, untracked', () => {
    const { tracker, calls, ack } = setup();
    const parent = new AckGroup(ack, 2, tracker);
    class Child extends AckGroup {
      constructor() {
        super(undefined, 1, undefined);
      }
      protected override handled(): void {
        parent.release(1);
      }
      protected override failed(error: SdkError): void {
        parent.fail(error);
      }
    }
    const ok = new Child();
    const bad = new Child();
    expect(tracker.open.size).toBe(1); // only the parent
    ok.retain(1);
    ok.release(1);
    expect(calls).toEqual([]);
    ok.release(1);
    bad.fail(err);
    bad.release(1);
    ok.release(1);
    expect(calls).toEqual(['failed:SINK_UNAVAILABLE']);
  });

  it('reports a throwing callback instead of breaking the pipeline', () => {
    const { tracker, reported } = setup();
    const g = new AckGroup(
      {
        onHandled: () => {
          throw new Error('source bug');
        },
      },
      1,
      tracker,
    );
    expect(() => g.release(1)).not.toThrow();
    expect(reported).toHaveLength(1);
  });

  it('coalesces runs of the same group in releaseAll/retainAll/failAll', () => {
    const { tracker, calls, ack } = setup();
    const a = new AckGroup(ack, 3, tracker);
    const b = new AckGroup(undefined, 1, tracker);
    retainAll([a, a, a, b]);
    releaseAll([a, a, a, b]);
    releaseAll([a, a]);
    expect(calls).toEqual([]);
    failAll([a, a, b], err);
    expect(calls).toEqual(['failed:SINK_UNAVAILABLE']);
    expect(tracker.open.size).toBe(0);
  });
});
