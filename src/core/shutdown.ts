import type { Logger } from './log.js';

/**
 * Graceful shutdown on SIGTERM/SIGINT: runs `stop` once (stop taking work, let running jobs finish, close
 * connections), then exits. A stop that takes longer than `graceMs` is cut short: whatever was running is
 * resumed from Postgres by the next process. A second signal exits at once.
 */
export function onShutdown(stop: () => Promise<void>, log: Logger, graceMs = 25_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down: finishing running jobs');
    const timer = setTimeout(() => {
      log.warn({ graceMs }, 'shutdown took too long: exiting; unfinished jobs resume on the next start');
      process.exit(0);
    }, graceMs);
    timer.unref();
    stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
