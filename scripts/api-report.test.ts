import { describe, expect, it } from 'vitest';
import { sortEnumMembers } from './api-report.js';

describe('api report normalisation', () => {
  it('lists zod enum members sorted, whatever order TypeScript printed them in, and leaves the rest alone', () => {
    const printed = [
      'export const S: z.ZodObject<{',
      '    fsync: z.ZodDefault<z.ZodEnum<{',
      '        never: "never";',
      '        always: "always";',
      '        "drop-oldest": "drop-oldest";',
      '    }>>;',
      '    other: {',
      '        b: "b";',
      '        a: "a";',
      '    };',
      '}>;',
      '',
    ].join('\n');
    expect(sortEnumMembers(printed)).toBe(
      [
        'export const S: z.ZodObject<{',
        '    fsync: z.ZodDefault<z.ZodEnum<{',
        '        "drop-oldest": "drop-oldest";',
        '        always: "always";',
        '        never: "never";',
        '    }>>;',
        '    other: {',
        '        b: "b";',
        '        a: "a";',
        '    };',
        '}>;',
        '',
      ].join('\n'),
    );
  });
});
