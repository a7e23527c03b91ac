import { describe, expect, it } from 'vitest';
import { createWindow } from './window.js';

describe('createWindow', () => {
  it('admits max holders, queues the rest in order, and hands a released slot to the next', async () => {
    const w = createWindow(2);
    await w.acquire();
    await w.acquire();
    const order: number[] = [];
    const third = w.acquire().then(() => order.push(3));
    const fourth = w.acquire().then(() => order.push(4));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(w.size()).toBe(2);
    w.release();
    await third;
    expect(order).toEqual([3]);
    w.release();
    await fourth;
    expect(order).toEqual([3, 4]);
    w.release();
    w.release();
    expect(w.size()).toBe(0);
  });
});
