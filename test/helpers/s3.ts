import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { S3BlobStore } from '../../src/platform/storage/s3.js';

export interface LoopbackS3 {
  endpoint: string;
  bucket: string;
  /** A store on the bucket, with the credentials s3rver accepts. */
  store(): S3BlobStore;
  /** The STORAGE=s3 environment for loadConfig. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A real S3-protocol server (s3rver) on a loopback port, files in a temporary folder, one bucket. */
export async function startLoopbackS3(bucket = 'speech-archive-test'): Promise<LoopbackS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sa-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const env = {
    STORAGE: 's3',
    S3_BUCKET: bucket,
    S3_REGION: 'us-east-1',
    S3_ENDPOINT: endpoint,
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    S3_FORCE_PATH_STYLE: 'on',
  };
  const stores: S3BlobStore[] = [];
  return {
    endpoint,
    bucket,
    env,
    store() {
      const s = new S3BlobStore({ bucket, endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', partSize: 5 * 1024 * 1024 });
      stores.push(s);
      return s;
    },
    async close() {
      for (const s of stores) s.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
