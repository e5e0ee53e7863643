import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveHostCommand } from '../../../pipeline/lean/resolve-host-command.ts';

const root = mkdtempSync(join(tmpdir(), 'proofline-resolve-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'bin'));
mkdirSync(join(root, 'other'));
writeFileSync(join(root, 'bin', 'lean'), '#!/bin/sh\n');
chmodSync(join(root, 'bin', 'lean'), 0o755);
writeFileSync(join(root, 'other', 'lake'), 'not executable');
chmodSync(join(root, 'other', 'lake'), 0o644);

describe('resolveHostCommand', () => {
  it('finds a bare name on the given PATH', () => {
    expect(resolveHostCommand('lean', `${join(root, 'other')}:${join(root, 'bin')}`, '/')).toEqual({ ok: true, path: join(root, 'bin', 'lean') });
  });

  it('resolves a name with a slash against cwd', () => {
    expect(resolveHostCommand('bin/lean', undefined, root)).toEqual({ ok: true, path: join(root, 'bin', 'lean') });
  });

  it('says ENOENT when nothing is found, EACCES when only a non-executable file is', () => {
    expect(resolveHostCommand('lean', join(root, 'other'), '/')).toMatchObject({ ok: false, errno: 'ENOENT' });
    expect(resolveHostCommand('lake', join(root, 'other'), '/')).toMatchObject({ ok: false, errno: 'EACCES' });
    expect(resolveHostCommand(join(root, 'bin'), undefined, '/')).toMatchObject({ ok: false, errno: 'EACCES' });
    expect(resolveHostCommand('', undefined, '/')).toMatchObject({ ok: false, errno: 'ENOENT' });
  });

  it('searches execvp’s default /bin:/usr/bin when PATH is unset', () => {
    expect(resolveHostCommand('sh', undefined, '/')).toMatchObject({ ok: true });
  });
});
