// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import documentedExports from './scripts/eslint/documented-exports.js';
import haIngestor from './scripts/eslint/guarded-callbacks.js';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      'data/**',
      '.services/**',
      'bench/results/**',
      '.tmp/**',
      'bench/.peers/**',
      'docs/api/**',
      'test/consumer-fixtures/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/ban-ts-comment': [
        'error',
        { 'ts-expect-error': 'allow-with-description', 'ts-ignore': true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    // Issue 11: every callback that runs outside a caller's try goes through createGuard (shipped code only).
    files: ['packages/*/src/**/*.ts', 'examples/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-d.ts'],
    plugins: { 'ha-ingestor': haIngestor },
    rules: { 'ha-ingestor/guarded-callbacks': 'error' },
  },
  {
    // Issue 20: every export of a package entry point carries a TSDoc comment (the API reference is made from them).
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/*.test-d.ts'],
    plugins: { 'ha-ingestor-docs': documentedExports },
    rules: { 'ha-ingestor-docs/documented-exports': 'error' },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js', '**/tsup.config.ts'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
);
