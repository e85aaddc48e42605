// ESLint 9 flat config: typescript-eslint recommended plus the house rules of STYLE.md.
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const PROCESS_ENV = 'process-env-only-in-config: read configuration through AppConfig (src/config).';
const PROCESS_ENV_SYNTAX = [
  { selector: "MemberExpression[object.name='process'][property.value='env']", message: PROCESS_ENV },
  { selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']", message: PROCESS_ENV },
];
// Issue 19: every statement on a consumer's position and dead letters lives in src/events/consumer-store. A table
// name as a Kysely table argument, or after a SQL keyword in a sql`` template, anywhere else is refused.
const CONSUMER_TABLES = 'consumer-tables-only-in-the-consumer-store: use src/events/consumer-store (checkpoints, dead letters).';
const CONSUMER_TABLE_NAMES = '(projection_checkpoint|projection_dead_letter|dead_letter_discard)';
const CONSUMER_TABLE_SYNTAX = [
  { selector: `Literal[value=/^(public\\.)?${CONSUMER_TABLE_NAMES}$/]`, message: CONSUMER_TABLES },
  {
    selector: `TemplateElement[value.raw=/(from|into|update|join|table)\\s+(public\\.)?${CONSUMER_TABLE_NAMES}\\b/]`,
    message: CONSUMER_TABLES,
  },
];

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
      'no-restricted-syntax': ['error', ...PROCESS_ENV_SYNTAX, ...CONSUMER_TABLE_SYNTAX],
      'no-restricted-imports': [
        'error',
        { paths: ['process', 'node:process'].map((name) => ({ name, importNames: ['env'], message: PROCESS_ENV })) },
      ],
    },
  },
  {
    // The consumer store owns those tables; migrations are frozen and create them.
    files: ['src/events/consumer-store/**/*.ts', 'migrations/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...PROCESS_ENV_SYNTAX] },
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
