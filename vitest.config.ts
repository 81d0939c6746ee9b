import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start real processes (Patroni, PostgreSQL, kubectl); two
    // workers keep a 2-core machine responsive without serialising everything.
    maxWorkers: 2,
    globalSetup: ['test/helpers/cache-home.ts'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
