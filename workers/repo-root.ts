import { fileURLToPath } from 'node:url';

/** The checkout this CLI runs from (lean-project/, datasets/ are found here). */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
