// Wires the MCP gateway into the server: the `mcp.*` settings checked, one decision service
// per MCP server whose verifier accepts only that server's resource URI as the audience,
// the server credentials loaded once at start, and a dispatcher destroyed when the server
// closes. `server/app.ts` registers the plugin this returns when `mcp.resourceBase` is set.
import type { FastifyInstance } from 'fastify';
import { Agent } from 'undici';
import type { DecisionObserver, DecisionService } from '../contracts.ts';
import type { KillSwitchStore } from '../alerts/index.ts';
import { createVerifier, type TokenVerifier, type VerifierOptions } from '../identity/index.ts';
import { createDecisionService, type DecisionServiceOptions } from '../decide/index.ts';
import type { PolicyEvaluator } from '../engine/evaluator.ts';
import { loadCredentials } from '../proxy/credentials.ts';
import { mcpGateway } from './gateway.ts';
import { parseServerUrls } from './servers.ts';
import { createSessionBinder, randomSessionSecret } from './session-binding.ts';

export interface McpWiring {
  readonly settings: { readonly resourceBase: string; readonly serverUrls: readonly string[]; readonly allowedOrigins: readonly string[]; readonly timeoutMs: number; readonly sessionSecret?: string | undefined };
  /** the server's verifier options; the audience is replaced per MCP server */
  readonly verifier: VerifierOptions;
  /** the server's decision service options, but for the verifier */
  readonly decisions: Omit<DecisionServiceOptions, 'verifier'>;
  readonly evaluator: () => PolicyEvaluator | undefined;
  readonly observer: DecisionObserver;
  readonly killSwitch?: KillSwitchStore;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly secretsFile?: string;
  readonly issuers: readonly string[];
  readonly maxBodyBytes: number;
}

/** The plugin for `app.register`; it throws (the server does not start) on unusable settings. */
export function mcpRoutes(w: McpWiring): (app: FastifyInstance) => Promise<void> {
  const { urls, errors } = parseServerUrls(w.settings.serverUrls);
  if (errors.length > 0) throw new Error(errors.join('; '));
  // unset: this process's own (`--workers` get one from their primary: server/cluster/primary.ts)
  const sessions = createSessionBinder(w.settings.sessionSecret ?? randomSessionSecret());
  return async (app) => {
    const perResource = new Map<string, { decisions: DecisionService; verifier: TokenVerifier }>();
    const dispatcher = new Agent({ connect: { timeout: 5_000 } });
    // destroy, not close: a server-to-agent event stream never ends by itself
    app.addHook('preClose', async () => dispatcher.destroy());
    await mcpGateway(app, {
      resourceBase: w.settings.resourceBase,
      decisionsFor: (resource) => {
        let hit = perResource.get(resource);
        if (!hit) {
          const verifier = createVerifier({ ...w.verifier, audience: [resource] });
          hit = { verifier, decisions: createDecisionService({ ...w.decisions, verifier }) };
          perResource.set(resource, hit);
        }
        return hit;
      },
      bundle: () => {
        const evaluator = w.evaluator();
        return evaluator ? { evaluator } : undefined;
      },
      observer: w.observer,
      ...(w.killSwitch ? { killSwitch: w.killSwitch } : {}),
      credentials: loadCredentials({ env: w.env, ...(w.secretsFile ? { secretsFile: w.secretsFile } : {}) }),
      serverUrls: urls,
      allowedOrigins: w.settings.allowedOrigins,
      timeoutMs: w.settings.timeoutMs,
      authorizationServers: w.issuers,
      dispatcher,
      maxBodyBytes: w.maxBodyBytes,
      sessions,
    });
  };
}
