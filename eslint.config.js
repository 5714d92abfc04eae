// The linter `.ci/run` runs (`npm run lint`): ESLint's and typescript-eslint's recommended rules over the
// sources, tests, bench and examples. The type checker (`npm run typecheck`) covers what needs types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // syntax-error.mjs is a broken module on purpose (the tests load it as a user's bad --impl)
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', 'src/kernels/simd/**', 'test/modules/syntax-error.mjs', 'test/modules/hostile/syntax-error.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', performance: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly' } },
    rules: {
      // option bags from commander and parsed JSON are typed `any` at the edges on purpose
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // the tfjs types are declared beside the require()d value, which only a namespace can do
  { files: ['reference/tf.ts'], rules: { '@typescript-eslint/no-namespace': 'off' } },
  // the seeded bug of this example is exactly the f′ it computes and never uses
  { files: ['examples/my-bptt-buggy.mjs'], rules: { '@typescript-eslint/no-unused-vars': 'off' } },
);
