import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // the console's text is asserted without colour codes: picocolors colours it whenever CI is set (.ci/run)
    env: { NO_COLOR: '1' },
  },
});
