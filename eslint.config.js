// The linter `.ci/run` runs (`npm run lint`, then `prettier --check .`, the formatter, at 120 columns):
// ESLint's and typescript-eslint's recommended rules over the sources, tests, bench and examples, less the
// stylistic rules the formatter owns (eslint-config-prettier). The type checker (`npm run typecheck`)
// covers what needs types.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // syntax-error.mjs is a broken module on purpose (the tests load it as a user's bad --impl)
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'reports/**',
      'src/kernels/simd/**',
      'test/modules/syntax-error.mjs',
      'test/modules/hostile/syntax-error.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: {
      // tests and bench read parsed JSON loosely; src/ and reference/ may not (below)
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // no `any` in the tool's own code: parsed JSON is `unknown` until validated
  { files: ['src/**', 'reference/**'], rules: { '@typescript-eslint/no-explicit-any': 'error' } },
  // the tfjs types are declared beside the require()d value, which only a namespace can do
  { files: ['reference/tf.ts'], rules: { '@typescript-eslint/no-namespace': 'off' } },
  // the seeded bug of this example is exactly the f′ it computes and never uses
  { files: ['examples/my-bptt-buggy.mjs'], rules: { '@typescript-eslint/no-unused-vars': 'off' } },
  prettier,
);
