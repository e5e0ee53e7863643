import { ProoflineError } from '../errors.ts';
import { createHash, timingSafeEqual } from 'node:crypto';

export interface ClientToken {
  client: string;
  token: string;
}

/**
 * Bearer-token check in constant time: both sides are hashed to 32 bytes (so lengths never leak
 * through an early exit) and every configured token is compared, match or not.
 * Returns the token's client id, or null.
 */
export function createTokenMatcher(tokens: readonly ClientToken[]): (authorization: string | undefined) => string | null {
  const digests = tokens.map((t) => ({ client: t.client, digest: sha256(t.token) }));
  return (authorization) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/iu.exec(authorization ?? '');
    const offered = sha256(match?.[1] ?? '');
    let client: string | null = null;
    for (const entry of digests) {
      if (timingSafeEqual(entry.digest, offered) && match !== null) client = entry.client;
    }
    return client;
  };
}

/** `client=token,client2=token2` (the PROOFLINE_SERVE_TOKENS form); a bare token is client `token-<n>`. */
/** Shortest bearer token accepted from a config file or the environment. */
export const MIN_TOKEN_LENGTH = 16;

export function parseTokenList(text: string): ClientToken[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part, index) => {
      const eq = part.indexOf('=');
      const entry = eq > 0 ? { client: part.slice(0, eq), token: part.slice(eq + 1) } : { client: `token-${index + 1}`, token: part };
      // The same floor as `serve.auth.tokens` in a config file: a short token is guessable.
      if (entry.token.length < MIN_TOKEN_LENGTH) {
        throw new ProoflineError('CONFIG_INVALID', `Expected every token in the token list to have at least ${MIN_TOKEN_LENGTH} characters, got ${entry.token.length} for client \`${entry.client}\``);
      }
      return entry;
    });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
