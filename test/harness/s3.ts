import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Child, canConnect, freePort, tempDir, waitFor } from './process';

/**
 * s3rver runs in its own Node process with OpenSSL's legacy provider: it encrypts
 * ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node >= 17) refuses by
 * default, so in-process every paginated listing fails with InternalError.
 */
const S3RVER_MAIN = `
const S3rver = require(${JSON.stringify(require.resolve('s3rver'))});
const { port, directory, buckets, silent } = JSON.parse(process.argv[1]);
new S3rver({ port, address: '127.0.0.1', directory, silent, configureBuckets: buckets.map((name) => ({ name })) }).run();
`;

/** s3rver's fixed credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3Server {
  readonly port: number;
  readonly endpoint: string;
  stop(): Promise<void>;
  /** Starts it again on the same port and folder (after `halt`). */
  restart(): Promise<void>;
  halt(): Promise<void>;
  /**
   * Writes objects straight into s3rver's folder, in its FilesystemStore layout
   * (`<bucket>/<key>._S3rver_object` plus its `.md5`): thousands in well under a second,
   * where PutObject manages ~600 a second. The bucket must exist.
   */
  seed(bucket: string, objects: Iterable<{ key: string; body: string | Buffer }>): void;
}

/** A real S3 API (s3rver) on a free port, keeping objects in a temp dir. */
export async function startS3(buckets: readonly string[] = []): Promise<S3Server> {
  const port = await freePort();
  const tmp = tempDir('s3');
  let child: Child | undefined;
  const start = async () => {
    const settings = JSON.stringify({ port, directory: tmp.dir, buckets, silent: !process.env.S3RVER_DEBUG });
    const c = Child.start(process.execPath, ['--openssl-legacy-provider', '-e', S3RVER_MAIN, settings]);
    child = c;
    await waitFor(
      `s3rver on ${port}`,
      async () => {
        if (!c.running) throw new Error(c.log());
        return canConnect(port);
      },
      20_000,
      50,
    );
  };
  await start();
  const halt = async () => {
    await child?.stop();
    child = undefined;
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
    seed(bucket, objects) {
      for (const { key, body } of objects) {
        const parts = key.split('/');
        const file = path.join(tmp.dir, bucket, ...parts.slice(0, -1), `${parts[parts.length - 1]}._S3rver_object`);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, body);
        writeFileSync(`${file}.md5`, createHash('md5').update(body).digest('hex'));
      }
    },
  };
}
