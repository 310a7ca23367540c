// `leash token mint`: print an agent token signed with the local development key (created in
// .leash/ on first use), for trying Leash and for tests. Not an identity provider.
import type { Command } from 'commander';
import { DEV_AUDIENCE, DEV_DIR, DEV_ISSUER, ensureDevKeys, mintToken, parseDuration } from '../../server/identity/index.ts';

export interface MintFlags {
  readonly sub: string;
  readonly sid: string;
  readonly claims?: string;
  readonly ttl: string;
  readonly aud?: string;
  readonly iss?: string;
  readonly dir?: string;
}

/** Returns the token, or an error sentence naming the bad flag. */
export async function runMint(flags: MintFlags): Promise<{ ok: true; token: string } | { ok: false; error: string }> {
  const ttl = parseDuration(flags.ttl);
  if (ttl === undefined || ttl <= 0) return { ok: false, error: `--ttl: expected a duration such as 90s, 10m, 2h or 1d (got "${flags.ttl}")` };
  let claims: Record<string, unknown> = {};
  if (flags.claims !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(flags.claims);
    } catch {
      return { ok: false, error: '--claims: not valid JSON' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: '--claims: must be a JSON object' };
    claims = parsed as Record<string, unknown>;
  }
  const keys = await ensureDevKeys(flags.dir ?? DEV_DIR);
  const token = await mintToken(keys, {
    sub: flags.sub,
    sid: flags.sid,
    claims,
    ttlSeconds: ttl,
    issuer: flags.iss ?? DEV_ISSUER,
    audience: flags.aud ?? DEV_AUDIENCE,
  });
  return { ok: true, token };
}

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description('agent tokens for development');
  token
    .command('mint')
    .description('print a token signed with the development key in .leash/')
    .requiredOption('--sub <agent>', 'agent id (the sub claim)')
    .requiredOption('--sid <session>', 'session id (the sid claim)')
    .option('--claims <json>', 'more claims as a JSON object, e.g. \'{"role":"support","task":{"ticketId":"T-4891"}}\'')
    .option('--ttl <duration>', 'lifetime such as 90s, 10m, 2h', '10m')
    .option('--aud <aud>', `audience (default ${DEV_AUDIENCE})`)
    .option('--iss <iss>', `issuer (default ${DEV_ISSUER})`)
    .option('--dir <dir>', `where the dev key lives (default ${DEV_DIR})`)
    .action(async (flags: MintFlags) => {
      const result = await runMint(flags);
      if (result.ok) process.stdout.write(`${result.token}\n`);
      else {
        process.stderr.write(`leash token mint: ${result.error}\n`);
        process.exitCode = 1;
      }
    });
}
