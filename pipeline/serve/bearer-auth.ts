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
export function parseTokenList(text: string): ClientToken[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part, index) => {
      const eq = part.indexOf('=');
      return eq > 0 ? { client: part.slice(0, eq), token: part.slice(eq + 1) } : { client: `token-${index + 1}`, token: part };
    });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
