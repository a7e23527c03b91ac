import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import plugin from './documented-exports.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = join(root, 'scripts', 'eslint', 'fixtures', 'documented-exports');

const lint = async (file: string) => {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true, tsconfigRootDir: root } },
        plugins: { docs: plugin },
        rules: { 'docs/documented-exports': 'error' },
      },
    ],
  });
  const [result] = await eslint.lintFiles([file]);
  return result?.messages ?? [];
};

describe('ha-ingestor-docs/documented-exports', () => {
  it('reports each undocumented export of an entry point, naming the file that declares it', async () => {
    const messages = await lint(join(fixture, 'index.ts'));
    expect(messages.map((m) => m.message.match(/^`(\w+)`/)?.[1]).sort()).toEqual([
      'UndocumentedType',
      'undocumentedConst',
      'undocumentedFunction',
    ]);
    expect(messages[0]?.message).toContain('scripts/eslint/fixtures/documented-exports/mod.ts');
    expect(messages.every((m) => m.line <= 2)).toBe(true);
  }, 60_000);

  it('ignores files that are not entry points, so internal exports need no comment', async () => {
    expect(await lint(join(fixture, 'mod.ts'))).toEqual([]);
  }, 60_000);
});
