import type { FastifyInstance } from 'fastify';
import type { AdapterDeps } from './adapter-deps.ts';
import { bedrockRftRoutes } from './bedrock-rft-routes.ts';
import { kiminaRoutes } from './kimina-routes.ts';
import { openRlhfRoutes } from './openrlhf-routes.ts';
import { trlRoutes } from './trl-routes.ts';
import { verlRoutes } from './verl-routes.ts';

export type { AdapterDeps } from './adapter-deps.ts';
export { InvalidFieldError, NoVerdictError } from './adapter-errors.ts';
export { createStatementIndex, type StatementIndex } from './statement-index.ts';

/** A trainer adapter: a fastify plugin translating one trainer's wire shape ↔ VerifyItem/ItemResult. */
export type AdapterPlugin = (app: FastifyInstance, deps: AdapterDeps) => Promise<void>;

/** Every trainer adapter; `createRewardApp` registers each with `app.register(plugin, deps)`. */
export const ADAPTERS: readonly AdapterPlugin[] = [openRlhfRoutes, verlRoutes, trlRoutes, kiminaRoutes, bedrockRftRoutes];
