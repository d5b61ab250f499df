// Lint rules the reviewers care about: no floating promises, no `any` in APIs, no import
// cycles, no deep imports across packages (each package is used through its src/index.ts).
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'packages/proto/src/gen/**',
      'coverage/**',
      'data/**',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // Declared subpath entry points (package.json "exports") are public API too.
              group: ['@massa-bootstrap/*/*', '!@massa-bootstrap/rpc/settings'],
              message: 'Import a package through its public API (src/index.ts), not a deep path.',
            },
            {
              regex: '^(\\.\\./)+(\\.\\./)(packages|services)/',
              message: 'Import another package by its name, not by a relative path.',
            },
          ],
        },
      ],
    },
  },
);
