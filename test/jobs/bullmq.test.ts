import { randomBytes } from 'node:crypto';
import { createLogger } from '../../src/core/log.js';
import { BullMqQueue } from '../../src/platform/queue/bullmq.js';
import { queueContract } from './contract.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// Each queue gets its own key prefix, so tests never see each other's jobs; obliterate() removes them after.
queueContract('BullMQ on the local Redis', async (settings) =>
  new BullMqQueue({ ...settings, url: REDIS_URL, prefix: `sa-test-${randomBytes(4).toString('hex')}`, log: createLogger('silent') }),
);
