import { describe, expect, it } from 'vitest';
import { createSignal } from './signal.js';

describe('createSignal', () => {
  it('wakes every task waiting at notify(), and only those', async () => {
    const signal = createSignal();
    const a = signal.wait();
    const b = signal.wait();
    expect(signal.waiting()).toBe(2);
    signal.notify();
    await expect(Promise.all([a, b])).resolves.toEqual([true, true]);
    expect(signal.waiting()).toBe(0);
    signal.notify(); // nobody waits: not remembered
    let woken = false;
    void signal.wait().then(() => (woken = true));
    await Promise.resolve();
    expect(woken).toBe(false);
    signal.notify();
    await Promise.resolve();
    expect(woken).toBe(true);
  });

  it('resolves false on abort and leaves neither a waiter nor an abort listener behind', async () => {
    const signal = createSignal();
    const controller = new AbortController();
    let listeners = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    const remove = controller.signal.removeEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => (
      listeners++,
      add(...args)
    )) as typeof add;
    controller.signal.removeEventListener = ((...args: Parameters<typeof remove>) => (
      listeners--,
      remove(...args)
    )) as typeof remove;

    const woken = signal.wait(controller.signal);
    signal.notify();
    await expect(woken).resolves.toBe(true);
    expect(listeners).toBe(0); // a woken wait removed its listener from the long-lived signal

    const aborted = signal.wait(controller.signal);
    controller.abort();
    await expect(aborted).resolves.toBe(false);
    expect(signal.waiting()).toBe(0);
    await expect(signal.wait(controller.signal)).resolves.toBe(false); // already aborted
    expect(signal.waiting()).toBe(0);
  });
});
