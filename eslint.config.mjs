// Flat config: TypeScript rules, Prettier compatibility, and the dependency
// rule of ARCHITECTURE.md enforced by Nx project tags:
// apps → infra libs → domain libs → contracts; `testing` only from specs.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default [
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'tmp/**', '.nx/**', 'apps/control-plane/web/dist/**', 'coverage/**'],
  },
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:infra', 'type:domain', 'type:contracts', 'type:testing'] },
          ],
        },
      ],
    },
  },
  {
    // Specs (and shared test suites run by specs, `*.contract.ts`) may use the testing fixtures; production code may not.
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.contract.ts', '**/test/**/*.ts', '**/testing/**/*.ts', 'tools/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          depConstraints: [{ sourceTag: '*', onlyDependOnLibsWithTags: ['*'] }],
        },
      ],
    },
  },
  {
    // NATS belongs to libs/messaging: apps take contracts, work queues and KV buckets from the Bus, never the client.
    files: ['apps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'nats', message: 'Use @mediaplane/messaging (Bus, workQueue, durableConsumer, kvBucket) instead of the NATS client.' },
            {
              name: '@mediaplane/service-kit',
              importNames: ['SERVICE_CONTEXT'],
              message: 'Inject the single tokens (APP_CONFIG, BUS, LOGGER, REDIS, METRICS, INSTANCE_ID): the context bag is service-kit’s own.',
            },
          ],
          patterns: [{ group: ['nats/*'], message: 'Use @mediaplane/messaging instead of the NATS client.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs', '**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly', jest: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
