/**
 * What the evaluation labs share: their command line (an evaluation set's directory, the archive `npm run eval`
 * ingested, the embedding cache it filled) and the archive opened for reading, results uncached.
 */
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/log.js';
import { openServices, type Services } from '../../src/main/services.js';

/** `<name> <dir> --data-dir <archive> [--embed-cache <dir>]`; the lab adds its own options before parsing. */
export function labCommand(name: string): Command {
  return new Command(name)
    .argument('<dir>')
    .requiredOption('--data-dir <dir>')
    .option('--embed-cache <dir>', '', path.resolve('.tmp/embed-cache'));
}

/**
 * The labs score the tuning questions, on which the query adapter that ships was fitted: their question vectors are
 * the embedder's own unless QUERY_ADAPTER is set (a fit that saw a question would flatter whatever reads it).
 */
export function openLab(opts: { dataDir: string; embedCache: string }): Promise<Services> {
  const cfg = loadConfig({ QUERY_ADAPTER: 'off', ...process.env, DATA_DIR: opts.dataDir });
  return openServices(cfg, { logger: createLogger('warn'), embedCacheDir: opts.embedCache, cache: 'off' });
}
