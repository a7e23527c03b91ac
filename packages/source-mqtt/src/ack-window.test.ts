import { describe, expect, it, vi } from 'vitest';
import { createAckWindow } from './ack-window.js';

const setup = (max = 3) => {
  const sent: number[] = [];
  const onFailure = vi.fn();
  const window = createAckWindow({ max, sendAck: (id) => sent.push(id), onFailure });
  return { window, sent, onFailure };
};

describe('createAckWindow', () => {
  it('acknowledges in receive order: an early-handled message waits for the ones before it', () => {
    const { window, sent } = setup(10);
    const a = window.add(1);
    const b = window.add(2);
    const c = window.add(3);
    c.handled();
    b.handled();
    expect(sent).toEqual([]);
    a.handled();
    expect(sent).toEqual([1, 2, 3]);
    expect(window.size()).toBe(0);
  });

  it('holds QoS 0 entries for the bound but sends no PUBACK for them', () => {
    const { window, sent } = setup(10);
    const q0 = window.add(undefined);
    const q1 = window.add(7);
    expect(window.size()).toBe(2);
    q0.handled();
    q1.handled();
    expect(sent).toEqual([7]);
    expect(window.acked()).toBe(1);
  });

  it('blocks waitForRoom at the bound and releases it when the head is acknowledged', async () => {
    const { window } = setup(2);
    const a = window.add(1);
    window.add(2);
    let released = false;
    const wait = window.waitForRoom().then(() => {
      released = true;
    });
    await Promise.resolve();
    expect(released).toBe(false);
    a.handled();
    await wait;
    expect(released).toBe(true);
  });

  it('never acknowledges after a failure and reports it once', () => {
    const { window, sent, onFailure } = setup(10);
    const a = window.add(1);
    const b = window.add(2);
    const c = window.add(3);
    b.failed(new Error('sink down'));
    c.failed(new Error('again'));
    a.handled();
    expect(sent).toEqual([]);
    expect(onFailure).toHaveBeenCalledTimes(1);
  });

  it('ignores late handled() calls after abandon (message ids are reused on the next connection)', async () => {
    const { window, sent } = setup(1);
    const a = window.add(1);
    const wait = window.waitForRoom();
    window.abandon();
    await wait;
    a.handled();
    expect(sent).toEqual([]);
  });

  it('keeps memory bounded over many messages (compacts the handled prefix)', () => {
    const { window, sent } = setup(5);
    for (let i = 1; i <= 10_000; i++) window.add(i).handled();
    expect(sent).toHaveLength(10_000);
    expect(window.size()).toBe(0);
  });

  it('head() names the oldest message not yet acknowledged by its tag (issue 11: who holds the window)', () => {
    const acks: number[] = [];
    const w = createAckWindow({ max: 10, sendAck: (id) => acks.push(id), onFailure: () => undefined });
    const a = w.add(1, 100);
    const b = w.add(2, 101);
    expect(w.head()).toBe(100);
    b.handled();
    expect(w.head()).toBe(100); // b waits behind a
    a.handled();
    expect(acks).toEqual([1, 2]);
    expect(w.head()).toBeUndefined();
  });
});
