import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateProblems } from '../../../pipeline/build/load-problems.ts';
import { loadConfig } from '../../../pipeline/config.ts';
import { readObjectLines } from '../../../pipeline/sinks/read-object-lines.ts';
import { REPO_ROOT } from '../../helpers/recorded-lean-checker.ts';

const configs = readdirSync(join(REPO_ROOT, 'datasets')).filter((f) => f.endsWith('.yaml'));

describe('the build and sample configs shipped in datasets/', () => {
  it.each(configs)('%s validates, and a build config’s problem set is valid line by line', async (file) => {
    const config = loadConfig({ file: join(REPO_ROOT, 'datasets', file), env: {} });
    if (config.build.problems === undefined) return;
    const seen: string[] = [];
    const result = await validateProblems(readObjectLines(join(REPO_ROOT, config.build.problems)), (p) => seen.push(p.id));
    expect(result.invalid).toEqual([]);
    expect(seen.length).toBeGreaterThan(0);
  });
});
