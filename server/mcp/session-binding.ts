// Binds an MCP server's session to the agent session that opened it. The gateway never hands
// the agent the server's own `Mcp-Session-Id`: it hands out a sealed one, the server's id
// behind an HMAC of (MCP server, agent, agent session, id). A request is forwarded with the
// server's id only when the seal matches the agent and session of the token it carries, so
// an id copied from another agent, another session or another MCP server opens nothing (and
// the server's raw id, should it leak, is refused too). Stateless: every worker and every
// Leash process with the same secret checks the same seal (docs/mcp.md "Sessions").
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SessionOwner {
  /** the MCP server's name in the bundle */
  readonly server: string;
  readonly agent: string;
  readonly session: string;
}

export interface SessionBinder {
  /** the id the agent gets for the server's `id` */
  seal(id: string, owner: SessionOwner): string;
  /** the server's id inside `presented` when `owner` sealed it; else undefined */
  open(presented: string, owner: SessionOwner): string | undefined;
}

const PREFIX = 'leash1.';
/** base64url of a 32-byte HMAC-SHA256 */
const MAC_CHARS = 43;
export const MIN_SESSION_SECRET_CHARS = 32;

/** a secret for one process group (the primary makes it for its workers when none is configured) */
export function randomSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function createSessionBinder(secret: string): SessionBinder {
  if (secret.length < MIN_SESSION_SECRET_CHARS) throw new Error(`the MCP session secret must have at least ${MIN_SESSION_SECRET_CHARS} characters`);
  // JSON keeps the fields apart whatever they contain (no separator can be forged into a value)
  const mac = (id: string, o: SessionOwner) => createHmac('sha256', secret).update(JSON.stringify(['leash mcp session', o.server, o.agent, o.session, id])).digest('base64url');
  return {
    seal: (id, owner) => `${PREFIX}${mac(id, owner)}.${id}`,
    open(presented, owner) {
      if (!presented.startsWith(PREFIX) || presented.charAt(PREFIX.length + MAC_CHARS) !== '.') return undefined;
      const id = presented.slice(PREFIX.length + MAC_CHARS + 1);
      if (id === '') return undefined;
      // compared as text: decoding would accept several spellings of one MAC
      const given = Buffer.from(presented.slice(PREFIX.length, PREFIX.length + MAC_CHARS), 'latin1');
      const want = Buffer.from(mac(id, owner), 'latin1');
      return given.length === want.length && timingSafeEqual(given, want) ? id : undefined;
    },
  };
}
