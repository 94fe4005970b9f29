import { defineConfig } from 'vitest/config';

// Three depths (docs/architecture.md, principle 10). Test files say their depth by name:
//   *.test.ts              pure unit tests, no I/O
//   *.int.test.ts          integration over real TCP/UDP on loopback, real processes
//   *.docker.test.ts       a real small testbed in Docker (needs a running engine; in CI a
//                          missing engine fails these tests rather than skipping them)
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/*.docker.test.ts', 'node_modules/**', 'dist/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'docker',
          include: ['**/*.docker.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          // one testbed at a time: they share the engine, the host firewall and two cores
          fileParallelism: false,
        },
      },
    ],
  },
});
