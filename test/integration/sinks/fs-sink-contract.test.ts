import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsSink } from '../../../pipeline/sinks/fs-sink.ts';
import { defineSinkContract } from '../../contract/sink.cases.ts';

defineSinkContract('FsSink (tmp dir, root created on first put)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'proofline-fs-sink-'));
  const sink = createFsSink(join(dir, 'out'));
  return { sink, close: () => rm(dir, { recursive: true, force: true }) };
});
