import { afterAll, beforeAll } from 'vitest';
import { createS3Sink } from '../../../pipeline/sinks/s3-sink.ts';
import { defineSinkContract } from '../../contract/sink.cases.ts';
import { startS3rver, type S3rverServer } from '../../helpers/s3rver-server.ts';

let s3: S3rverServer;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3.close();
});

// 5 MiB parts above a 5 MiB threshold: the contract's 6 MiB object goes up as a 2-part multipart upload.
const config = () => s3.s3Config({ multipart_threshold_mb: 5, part_size_mb: 5, max_attempts: 2 });

for (const prefix of ['datasets/nightly', '']) {
  defineSinkContract(`S3Sink on s3rver (${prefix === '' ? 'bucket root' : `prefix ${prefix}`})`, async () => {
    const bucket = await s3.createBucket();
    const sink = createS3Sink({ bucket, prefix }, config(), s3.sinkDeps);
    return { sink, close: () => sink.close() };
  });
}
