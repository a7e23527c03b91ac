import { describe, expect, it } from 'vitest';
import { createInFlightWindow } from './in-flight-window.js';

describe('createInFlightWindow', () => {
  it('lets `size` through, then makes the next wait until a slot is released, in order', async () => {
    const w = createInFlightWindow(2);
    await w.acquire();
    await w.acquire();
    const order: number[] = [];
    const third = w.acquire().then(() => order.push(3));
    const fourth = w.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(w.inFlight()).toBe(2);
    w.release();
    await third;
    expect(order).toEqual([3]);
    w.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    w.release();
    w.release();
    expect(w.inFlight()).toBe(0);
  });
});
