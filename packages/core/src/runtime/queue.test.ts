import { describe, expect, it } from 'vitest';
import { createBoundedQueue } from './queue.js';

describe('createBoundedQueue', () => {
  it('takes items in FIFO order with their tags', () => {
    const q = createBoundedQueue<number, string>(4);
    expect(q.offer(1, 'a')).toBe(true);
    expect(q.offer(2, 'b')).toBe(true);
    const values: number[] = [];
    const tags: string[] = [];
    expect(q.take(10, values, tags)).toBe(2);
    expect(values).toEqual([1, 2]);
    expect(tags).toEqual(['a', 'b']);
    expect(q.length()).toBe(0);
  });

  it('refuses offers when full and makes put wait until space frees up (backpressure, never drop)', async () => {
    const q = createBoundedQueue<number, null>(2);
    q.offer(1, null);
    q.offer(2, null);
    expect(q.offer(3, null)).toBe(false);
    let admitted = false;
    const put = q.put(3, null).then(() => {
      admitted = true;
    });
    await Promise.resolve();
    expect(admitted).toBe(false);
    const out: number[] = [];
    q.take(1, out, []);
    await put;
    expect(admitted).toBe(true);
    q.take(10, out, []);
    expect(out).toEqual([1, 2, 3]);
  });

  it('serves waiting producers strictly in arrival order, ahead of later offers', async () => {
    const q = createBoundedQueue<number, null>(1);
    q.offer(0, null);
    const a = q.put(1, null);
    const b = q.put(2, null);
    expect(q.offer(3, null)).toBe(false); // someone is waiting: no overtaking
    const out: number[] = [];
    q.take(1, out, []);
    await a;
    q.take(1, out, []);
    await b;
    q.take(1, out, []);
    expect(out).toEqual([0, 1, 2]);
  });

  it('rejects waiting producers with ABORTED on close and on abort, keeping queued items takeable', async () => {
    const q = createBoundedQueue<number, null>(1);
    q.offer(1, null);
    const controller = new AbortController();
    const aborted = q.put(2, null, controller.signal);
    const closed = q.put(3, null);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    q.close();
    await expect(closed).rejects.toMatchObject({ code: 'ABORTED' });
    expect(() => q.offer(4, null)).toThrow(/closed/);
    const out: number[] = [];
    q.take(5, out, []);
    expect(out).toEqual([1]);
    await q.waitForItems(); // returns at once when closed
  });

  it('wakes the consumer when the first item arrives', async () => {
    const q = createBoundedQueue<number, null>(3);
    let woke = false;
    const waiting = q.waitForItems().then(() => {
      woke = true;
    });
    await Promise.resolve();
    expect(woke).toBe(false);
    q.offer(1, null);
    await waiting;
    expect(woke).toBe(true);
  });
});
