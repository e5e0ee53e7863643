import type { RewardService } from '../reward-contract.ts';
import type { StatementIndex } from './statement-index.ts';

/**
 * What the app passes to every adapter plugin. Only `service` is required; `statementIndex` (built
 * from the problem registry with `createStatementIndex`) lets the Kimina facade find the TRUSTED
 * statement of a snippet that carries no problem id (see kimina-routes.ts).
 */
export interface AdapterDeps {
  service: RewardService;
  statementIndex?: StatementIndex | undefined;
  /** Kimina facade: reject snippets whose theorem is not in the registry instead of checking them as sent. */
  kiminaRequireRegisteredStatement?: boolean | undefined;
}
