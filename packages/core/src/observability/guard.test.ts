import { describe, expect, it, vi } from 'vitest';
import type { DeadLetterInput } from '../component/context.js';
import { ErrorCode, SdkError, isSdkError } from '../model/errors.js';
import { createGuard, createReportingGuard } from './guard.js';

function target() {
  const reported: unknown[] = [];
  const dead: DeadLetterInput[] = [];
  return { reported, dead, report: (e: unknown) => reported.push(e), deadLetter: (d: DeadLetterInput) => dead.push(d) };
}

describe('createGuard', () => {
  it('passes arguments through and reports nothing when the callback succeeds', () => {
    const t = target();
    const seen: number[] = [];
    createGuard(t, 'source:x')('tick', (a: number, b: number) => seen.push(a + b))(2, 3);
    expect(seen).toEqual([5]);
    expect(t.reported).toEqual([]);
    expect(t.dead).toEqual([]);
  });

  it('turns a synchronous throw into a reported INTERNAL SdkError naming stage and callback, then dead-letters the input recover describes', () => {
    const t = target();
    const acked: string[] = [];
    const fn = createGuard(t, 'source:mqtt')(
      'statestream window',
      (_id: string) => {
        throw new RangeError('Maximum call stack size exceeded');
      },
      (_error, id) => {
        acked.push(id);
        return { raw: { entity: id }, data: { topic: 'ha/sensor/x/state' } };
      },
    );
    expect(() => fn('sensor.x')).not.toThrow();
    expect(acked).toEqual(['sensor.x']);
    const error = t.reported[0];
    expect(isSdkError(error, ErrorCode.INTERNAL)).toBe(true);
    expect((error as SdkError).stage).toBe('source:mqtt');
    expect((error as SdkError).data).toMatchObject({ callback: 'statestream window' });
    expect((error as SdkError).cause).toBeInstanceOf(RangeError);
    expect(t.dead).toEqual([
      {
        stage: 'source:mqtt',
        reason: 'callback_failed',
        message: 'statestream window: Maximum call stack size exceeded',
        code: 'INTERNAL',
        raw: { entity: 'sensor.x' },
        data: { callback: 'statestream window', topic: 'ha/sensor/x/state' },
      },
    ]);
  });

  it('keeps the code of an SdkError the callback threw', () => {
    const t = target();
    createGuard(t, 'sink:x')('flush', () => {
      throw new SdkError(ErrorCode.STORAGE_FAILED, 'disk full');
    })();
    expect(isSdkError(t.reported[0], ErrorCode.STORAGE_FAILED)).toBe(true);
    expect(t.dead[0]?.code).toBe('STORAGE_FAILED');
  });

  it('catches a rejected promise returned by an async callback', async () => {
    const t = target();
    const recover = vi.fn();
    createGuard(t, 'source:ws')('heartbeat', async () => Promise.reject(new Error('late')), recover)();
    await vi.waitFor(() => expect(t.reported).toHaveLength(1));
    expect((t.reported[0] as SdkError).message).toBe('late');
    expect(recover).toHaveBeenCalledTimes(1);
    expect(t.dead[0]?.reason).toBe('callback_failed');
  });

  it('reports a recover that throws as well, and still dead-letters', () => {
    const t = target();
    createGuard(t, 'x')(
      'cb',
      () => {
        throw new Error('first');
      },
      () => {
        throw new Error('second');
      },
    )();
    expect(t.reported.map((e) => (e as Error).message)).toEqual(['first', 'second']);
    expect((t.reported[1] as SdkError).data).toMatchObject({ callback: 'cb (recover)' });
    expect(t.dead).toHaveLength(1);
  });

  it('never throws even when the reporter and the dead-letter throw', () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const fn = createGuard(
        {
          report: () => {
            throw new Error('reporter broken');
          },
          deadLetter: () => {
            throw new Error('disk gone');
          },
        },
        'x',
      )('cb', () => {
        throw new Error('boom');
      });
      expect(() => fn()).not.toThrow();
      expect(stderr.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringContaining('reporter broken'),
        expect.stringContaining('disk gone'),
      ]);
    } finally {
      stderr.mockRestore();
    }
  });

  it('returns undefined, so an emitter or timer never holds a promise', () => {
    const t = target();
    const fn = createGuard(t, 'x')('cb', async () => 1);
    expect(fn()).toBeUndefined();
  });
});

describe('guard.report', () => {
  it("reports a failure without a callback as an SdkError of the guard's stage", () => {
    const t = target();
    createGuard(t, 'source:ws').report(new Error('save failed'));
    expect(isSdkError(t.reported[0], ErrorCode.INTERNAL)).toBe(true);
    expect((t.reported[0] as SdkError).stage).toBe('source:ws');
    expect(t.dead).toEqual([]);
  });
});

describe('createReportingGuard', () => {
  it('reports through the given function without a dead-letter', () => {
    const errors: SdkError[] = [];
    createReportingGuard((e) => errors.push(e), 'simulator')('socket message', () => {
      throw new TypeError('bad');
    })();
    expect(errors).toHaveLength(1);
    expect(errors[0]?.stage).toBe('simulator');
    expect(errors[0]?.message).toBe('bad');
  });
});
