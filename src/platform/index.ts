/**
 * platform: the infrastructure, each piece a port with adapters picked from the configuration. The database
 * (embedded PGlite or a Postgres server, with its owner lock and migrations), the blob store (a folder or S3)
 * and its media keys, the cache (memory or Redis), the job queue (in-process or BullMQ), and the Prometheus
 * metrics. Offers the port types, the factories, and the few helpers the stores and the pipeline share.
 */
export { ArchiveLockedError, LOCK_FILE, loadPgliteDir, openDatabase, takeOwnership } from './db/index.js';
export type { Db, Queryable } from './db/index.js';
export { explainByIndex, planOf, queryByIndex } from './db/by-index.js';
export { likeLiteral } from './db/like.js';
export { uniqueViolation } from './db/unique.js';
export { cached, createCache, offCache, QEMB_NAMESPACE } from './cache/index.js';
export type { Cache } from './cache/index.js';
export { closeBlobStore, contentTypeFor, copyBlob, createBlobStore, extensionFor, FsBlobStore, mediaKey, mediaKeyOf, moveBlob } from './storage/index.js';
export type { BlobStore } from './storage/index.js';
export { createQueue } from './queue/index.js';
export type { JobQueue } from './queue/index.js';
export { UnrecoverableJobError } from './queue/queue.js';
export type { QueueJob } from './queue/queue.js';
export { ENQUEUE_WAIT_MS, enqueuedWithin } from './queue/wait.js';
export { Metrics } from './metrics.js';
