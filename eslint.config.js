// ESLint 9 flat config: typescript-eslint recommended plus the house rules of STYLE.md.
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const PROCESS_ENV = 'process-env-only-in-config: read configuration through AppConfig (src/config).';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', '.matbench/**', 'web/dist/**', 'web/src/api/schema.d.ts', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-console': 'error',
    },
  },
  {
    // STYLE §9: config is read in one place only. Each message starts with the rule's name, as the
    // dependency-cruiser rules' do (.dependency-cruiser.cjs).
    files: ['src/**/*.ts', 'projections/**/*.ts', 'migrations/**/*.ts', 'examples/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: PROCESS_ENV }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.value='env']", message: PROCESS_ENV },
        { selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']", message: PROCESS_ENV },
      ],
      'no-restricted-imports': [
        'error',
        { paths: ['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: PROCESS_ENV })) },
      ],
    },
  },
  {
    // The console (web/): React hooks rules; it runs in the browser, so no process.env rule applies.
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  { files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**', 'examples/workers/**'], rules: { 'no-console': 'off', 'no-restricted-properties': 'off', 'no-restricted-syntax': 'off', 'no-restricted-imports': 'off' } },
  { files: ['**/*.mjs', '**/*.cjs', '**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off', 'no-console': 'off' } },
);
