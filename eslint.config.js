// ESLint, configured once for the whole tree: typescript-eslint's recommended rules (type-aware
// where it pays: floating promises), import-x/no-cycle for the module graph, and
// eslint-config-prettier last so formatting is Prettier's job alone (.prettierrc.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'models/',
      'dist/',
      '.wrangler/',
      'test/artifacts/',
      'test/workers/.build/',
      'bench/results/',
      'src/ui/static/',
      'src/ui/dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    settings: {
      'import-x/resolver-next': [importX.createNodeResolver({ extensions: ['.ts', '.js', '.mjs'] })],
    },
    rules: {
      'import-x/no-cycle': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // `cond && f()` and `c ? f() : g()` as statements are idioms here (counting loops, caches).
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // `_`-prefixed names are deliberately unused (positional parameters, rest-omitted fields).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
    },
  },
  {
    // Tests and benches inspect SDK errors and raw JSON bodies whose shape is what they check.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // One code point at a time on purpose: the class lists code points that attach to the one before.
    files: ['src/core/rules/boundaries.ts'],
    rules: { 'no-misleading-character-class': 'off' },
  },
  {
    // The Workers tests compile against workerd's types, not Node's.
    files: ['test/workers/**/*.ts'],
    languageOptions: { parserOptions: { project: './test/workers/tsconfig.json' } },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  prettier,
);
