// The linter `npm test` runs (scripts/test.sh): typescript-eslint's recommended rules over every
// TypeScript file. The layering rules (which folder may import which) are not here but in
// test/unit/architecture/, which walks the import graph once for all of them and for cycles.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.test-artifacts/**', 'proto/gen/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Unused names are a defect, but a leading underscore says "deliberately unused".
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Types come from tsc (noEmit, strict); the base rule does not know TypeScript's globals.
      'no-undef': 'off',
      // A `let` assigned once after a closure that reads it (a subscription its own end handler
      // disposes) cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
);
