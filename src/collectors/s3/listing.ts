import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface PrefixCount {
  readonly objects: number;
  readonly bytes: number;
  /** Stopped at the cap with more objects left: the figures are lower bounds. */
  readonly truncated: boolean;
  /** ListObjectsV2 requests made. */
  readonly requests: number;
}

/** S3 returns at most 1,000 keys per ListObjectsV2 page. */
const PAGE_SIZE = 1000;

/**
 * Counts the objects and bytes under a prefix with paginated ListObjectsV2, stopping at
 * `maxObjects` so a huge bucket costs a bounded number of requests. Versions and incomplete
 * multipart uploads are not counted (ListObjectsV2 does not return them).
 */
export async function countObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  maxObjects: number,
  signal: AbortSignal,
): Promise<PrefixCount> {
  let objects = 0;
  let bytes = 0;
  let requests = 0;
  let token: string | undefined;
  for (;;) {
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix || undefined,
        ContinuationToken: token,
        MaxKeys: Math.min(PAGE_SIZE, maxObjects - objects),
      }),
      { abortSignal: signal },
    );
    requests++;
    for (const object of page.Contents ?? []) {
      objects++;
      bytes += object.Size ?? 0;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (!token) return { objects, bytes, truncated: false, requests };
    if (objects >= maxObjects) return { objects, bytes, truncated: true, requests };
  }
}
