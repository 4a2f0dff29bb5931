import { defineConfig } from "vitest/config";
import { fileURLToPath } from "node:url";

export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL("./", import.meta.url)) } },
  test: {
    include: ["tests/**/*.test.ts", "lib/**/*.test.ts"],
    globalSetup: ["tests/setup/global.ts"],
    pool: "forks",
    isolate: false,
    maxWorkers: 2,
    testTimeout: 60000,
    hookTimeout: 120000,
    reporters: ["default"],
    // in-process half of `npm run test:coverage`; scripts/coverage.ts adds the servers' half and applies the floor
    coverage: {
      provider: "v8",
      include: ["lib/**/*.ts"],
      exclude: ["lib/**/*.test.ts"],
      reporter: ["json", "text-summary"],
      reportsDirectory: ".data/coverage",
      reportOnFailure: true,
    },
  },
});
