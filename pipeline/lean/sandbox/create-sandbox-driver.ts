import type { LeanConfig } from '../../config.ts';
import { createBwrapDriver } from './bwrap-driver.ts';
import { createContainerDriver } from './container-driver.ts';
import { createNoneDriver } from './none-driver.ts';
import type { SandboxDriver } from './sandbox-driver.ts';

/** The driver `lean.sandbox` names. Pure: call `assertAvailable()` before the first Lean process. */
export function createSandboxDriver(config: Pick<LeanConfig, 'sandbox' | 'container'>): SandboxDriver {
  switch (config.sandbox) {
    case 'bwrap':
      return createBwrapDriver();
    case 'container':
      return createContainerDriver({ engine: config.container.engine, image: config.container.image });
    case 'none':
      return createNoneDriver();
  }
}
