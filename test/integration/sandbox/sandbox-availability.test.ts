import { expect, it } from 'vitest';
import { createBwrapDriver } from '../../../pipeline/lean/sandbox/bwrap-driver.ts';
import { createContainerDriver } from '../../../pipeline/lean/sandbox/container-driver.ts';
import { describeBwrap } from './sandbox-kit.ts';

describeBwrap('bwrap availability', () => {
  it('passes on this machine (bwrap runs a sandboxed `true`)', async () => {
    await expect(createBwrapDriver().assertAvailable()).resolves.toBeUndefined();
  });

  it('fails with SANDBOX_UNAVAILABLE, not a crash, when prlimit is missing inside', async () => {
    await expect(createBwrapDriver({ prlimitPath: '/usr/bin/no-such-prlimit' }).assertAvailable()).rejects.toMatchObject({
      code: 'SANDBOX_UNAVAILABLE',
    });
  });
});

it('fails with SANDBOX_UNAVAILABLE naming the install command when bwrap is missing', async () => {
  const error: unknown = await createBwrapDriver({ bwrapPath: '/nonexistent/bwrap' }).assertAvailable().catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: 'SANDBOX_UNAVAILABLE', retryable: false });
  expect((error as Error).message).toContain('apt-get install -y bubblewrap');
});

it('fails with SANDBOX_UNAVAILABLE when the container engine is missing', async () => {
  const driver = createContainerDriver({ engine: 'podman', image: 'proofline-lean:test' });
  // No engine on PATH here; on a machine with podman and no such image it fails on the image instead.
  await expect(driver.assertAvailable()).rejects.toMatchObject({ code: 'SANDBOX_UNAVAILABLE' });
});
