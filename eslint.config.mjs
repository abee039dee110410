// Lint: typescript-eslint's recommended rules, plus the architecture's one-way dependencies:
// src/core never imports vscode or a client library.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Contract tests read raw API JSON; typing every field would only restate the fixtures.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['vscode'],
              message: 'src/core must not import vscode: put the glue in src/views or src/commands.',
            },
            {
              group: ['@gitbeaker/*', '@google-cloud/*', 'google-gax', 'google-auth-library'],
              message:
                'src/core must not import a client library: go through a port implemented in src/gitlab or src/gcp.',
            },
            {
              group: ['../gitlab/*', '../gcp/*', '../views/*', '../commands/*', '../config/*'],
              message: 'src/core depends on nothing outside src/core.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/lazy.ts', 'src/gitlab/**', 'src/gcp/**', 'src/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@gitbeaker/*', '@google-cloud/*', 'google-gax'],
              message: 'Client libraries load lazily through src/lazy.ts, never at activation.',
            },
            {
              group: ['**/gitlab/*', '**/gcp/*'],
              allowTypeImports: true,
              message: 'Adapters load lazily through src/lazy.ts; import only their types.',
            },
          ],
        },
      ],
    },
  },
);
