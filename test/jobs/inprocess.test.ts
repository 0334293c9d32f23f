import { createLogger } from '../../src/core/log.js';
import { InProcessQueue } from '../../src/platform/queue/inprocess.js';
import { queueContract } from './contract.js';

queueContract('in-process', async (settings) => new InProcessQueue(settings, createLogger('silent')));
