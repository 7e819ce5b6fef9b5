import type { AddressInfo } from 'node:net';
import { freePort, tempDir } from './process';

// s3rver ships no types; this is the part of its API the tests use.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Server {
  readonly port: number;
  readonly endpoint: string;
  stop(): Promise<void>;
  /** Starts it again on the same port and folder (after `halt`). */
  restart(): Promise<void>;
  halt(): Promise<void>;
}

/** A real S3 API (s3rver) on a free port, keeping objects in a temp dir. */
export async function startS3(buckets: readonly string[] = []): Promise<S3Server> {
  const port = await freePort();
  const tmp = tempDir('s3');
  let server: InstanceType<typeof S3rver> | undefined;
  const start = async () => {
    server = new S3rver({ port, address: '127.0.0.1', directory: tmp.dir, silent: true, configureBuckets: buckets.map((name) => ({ name })) });
    await server.run();
  };
  await start();
  const halt = async () => {
    await server?.close();
    server = undefined;
  };
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    halt,
    restart: start,
    stop: async () => {
      await halt();
      tmp.remove();
    },
  };
}
