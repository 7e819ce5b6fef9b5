// ESLint with typescript-eslint's type-checked rules over everything tsconfig.test.json compiles
// (src, test, bench, monitoring, scripts); plain JavaScript files get the untyped rules and the
// globals of where they run (Node for demo/bench/scripts, the browser for the dashboard page).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      '.runtimes/',
      'node_modules/',
      'test/fixtures/',
      'grafana/',
      'prometheus/',
      'alertmanager/',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // `_name` marks a parameter or binding kept for its position (Express error handlers, rest siblings).
      // Rethrowing what a catch or a callback caught keeps its original type.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests and benchmarks read JSON answers and child-process output whose shape the assertions
    // themselves check, and hand async callbacks to test runners and servers that await them.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      // Reading a package's version from its package.json.
      '@typescript-eslint/no-require-imports': 'off',
      // Rejecting with an AbortSignal's own reason passes on whatever the aborter chose.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/dashboard/page/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'script' },
  },
);
