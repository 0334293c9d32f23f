import { defineConfig } from 'vitest/config';

// Embedded, but each over ten seconds on two cores: the real USE model over whole dev transcripts, the command
// line as its own process, whole-archive round trips (backup and restore, reindex, re-embed).
const SLOW_EMBEDDED = [
  'test/ingest/edit-cli.test.ts',
  'test/backup/backup-file.test.ts',
  'test/backup/backup-restore.test.ts',
  'test/api/search-api.test.ts',
  'test/embed/use-lanes.test.ts',
  'test/api/search-paging.test.ts',
  'test/ingest/reindex.test.ts',
  'test/db/lanes.test.ts',
  'test/api/ask.test.ts',
  'test/web/corrections.test.ts',
  'test/vector/reembed.test.ts',
  'test/web/facets.test.ts',
  'test/api/languages.test.ts',
  'test/speakers/api.test.ts',
];

/**
 * Tests that need more than Node and the embedded engines (the local Postgres server and Redis, Debian's
 * PocketSphinx and flite, Chromium, or several real processes), and the slowest embedded ones.
 * `npm run test:unit` leaves them out, to answer in a few minutes; `npm test` (and CI) runs everything.
 */
export const INTEGRATION = [
  // local Postgres server or Redis
  'test/api/access.test.ts',
  'test/cache/fault.test.ts',
  'test/cache/redis.test.ts',
  'test/chapters/store.test.ts',
  'test/db/postgres-server.test.ts',
  'test/db/query-rows.test.ts',
  'test/db/segments-in-ranges.test.ts',
  'test/db/server-hybrid.test.ts',
  'test/db/upload-claims.test.ts',
  'test/faults/**/*.test.ts',
  'test/jobs/bullmq.test.ts',
  'test/jobs/kill.test.ts',
  'test/lexical/postgres.test.ts',
  'test/speakers/store.test.ts',
  // real speech through PocketSphinx, synthesised by flite, decoded by ffmpeg
  'test/api/media.test.ts',
  'test/api/jobs-retry.test.ts',
  'test/audio/asr.test.ts',
  'test/audio/asr-pocketsphinx.test.ts',
  'test/audio/transcribe.test.ts',
  'test/audio/hostile-media.test.ts',
  'test/audio/flite-timing.test.ts',
  'test/ingest/bulk-media.test.ts',
  'test/jobs/pipeline.test.ts',
  // video made by ffmpeg with Debian's DejaVu fonts, read by tesseract.js
  'test/video/video.test.ts',
  'test/video/visual.test.ts',
  // a browser, real processes, the build
  'test/web/browser.test.ts',
  'test/db/archive-owner.test.ts',
  'test/speakers/cli.test.ts',
  'test/backup/backup-served.test.ts',
  'test/db/pglite-upkeep.test.ts',
  'test/build/**/*.test.ts',
  ...SLOW_EMBEDDED,
];

const ALL = ['test/**/*.test.ts', 'src/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    globalSetup: ['test/setup/pglite-template.ts'],
    // The embedded database's buffer cache is allocated whole when it opens: 512MB by default, over a second of
    // each start of a command, server or worker process the tests run, for archives of a few recordings.
    env: { PGLITE_SHARED_BUFFERS: '32MB' },
    hookTimeout: 120_000,
    // PGlite instances are memory-hungry WASM heaps; two forks match the two cores.
    pool: 'forks',
    maxWorkers: 2,
    // Each fork runs file after file with its modules loaded once: the WASM engines (PGlite, the VAD) are
    // compiled and the sources imported once per fork rather than once per file, most of the suite's CPU time
    // on two cores. So test files close what they open, and none may lean on another's leftovers.
    isolate: false,
    projects: [
      { extends: true, test: { name: 'unit', include: ALL, exclude: INTEGRATION } },
      { extends: true, test: { name: 'integration', include: INTEGRATION } },
    ],
  },
});
