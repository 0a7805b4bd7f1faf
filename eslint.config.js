// ESLint, configured once for the whole tree: typescript-eslint's recommended rules (type-aware
// where it pays: floating promises), import-x/no-cycle for the module graph, and
// eslint-config-prettier last so formatting is Prettier's job alone (.prettierrc.json).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import prettier from 'eslint-config-prettier';

// The layers, bottom first: a folder may import its own layer and those below it, never one above
// (import-x/no-restricted-paths zones built from these lists fail `npm run lint` on an import that
// runs back up). README "How the folders stack" explains each layer.
const CORE_LAYERS = [
  ['grammar'],
  ['rules'],
  ['bundle', 'rewrite', 'tokenizer', 'detector'],
  ['engine'],
  ['http', 'metrics'],
  ['formats'],
  ['gloss'],
  ['routes'],
  ['proxy'],
  ['app.ts', 'middleware.ts'],
].map((layer) => layer.map((p) => `./src/core/${p}`));
const TRAINING_LAYERS = [
  ['util'],
  ['learn'],
  ['data'],
  ['graph'],
  ['activations'],
  ['sae'],
  ['torch'],
  ['llm'],
  ['probe'],
  ['mine'],
  ['evaluate'],
  ['protocol'],
  ['bundle'],
  ['report'],
  ['commands'],
  ['cli.ts'],
].map((layer) => layer.map((p) => `./offline-training/${p}`));
const upwardZones = (layers) =>
  layers.slice(0, -1).map((target, i) => ({
    target,
    from: layers.slice(i + 1).flat(),
    message: 'imports a higher layer (see the layer lists in eslint.config.js)',
  }));
const LAYER_ZONES = [
  ...upwardZones(CORE_LAYERS),
  ...upwardZones(TRAINING_LAYERS),
  { target: './src/core', from: ['./src/runtime', './offline-training'], message: 'core is runtime-agnostic' },
  { target: './src/runtime/worker', from: './src/runtime/node', message: 'the Worker never pulls in Node code' },
  { target: './src/runtime/web', from: './src/runtime/node', message: 'the web backend never pulls in Node code' },
  {
    target: './src/core/middleware.ts',
    from: './src/core/proxy',
    message: 'the middleware uses core/gloss, not the proxy',
  },
  { target: './src', from: './offline-training', message: 'the runtime never imports the trainer' },
];

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
      '.scratch-*/',
      '.cache/',
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
      'import-x/no-restricted-paths': ['error', { zones: LAYER_ZONES }],
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
