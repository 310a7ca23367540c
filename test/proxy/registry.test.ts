// Credentials and the upstream registry: loaded once at start from the environment or a
// secrets file, never serialisable, a missing one reported as a warning with its reason.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createUpstreamRegistry, loadCredentials, mergeOverrides, parseUpstreamUrlFlags, readUpstreamDeclarations, Secret,
} from '../../server/proxy/index.ts';

const KEY = 'sk_test_registry_0123456789';

const stripe = {
  name: 'stripe', baseUrl: 'https://api.stripe.com', credential: { env: 'STRIPE_API_KEY' }, inject: { type: 'bearer' },
  policy: 'billing-agent', source: 'policies/billing-agent.policy.ts:12:3',
};

describe('Secret', () => {
  it('never turns into its value through JSON, inspect, String or templates', () => {
    const secret = new Secret(KEY);
    const holder = { upstream: 'stripe', secret };
    expect(JSON.stringify(holder)).not.toContain(KEY);
    expect(inspect(holder, { depth: 5 })).not.toContain(KEY);
    expect(String(secret)).not.toContain(KEY);
    expect(`${secret}`).not.toContain(KEY);
    expect(secret.reveal()).toBe(KEY);
  });
});

describe('createUpstreamRegistry', () => {
  it('reads the bundle metadata, applies the URL override and loads the env credential', () => {
    const { declarations, problems } = readUpstreamDeclarations({ leash: { upstreams: { stripe } } });
    expect(problems).toEqual([]);
    const overrides = mergeOverrides({ stripe: { sensitive: true } }, parseUpstreamUrlFlags(['stripe=http://127.0.0.1:9999']).urls);
    const { registry, report } = createUpstreamRegistry({ declarations, overrides, credentials: loadCredentials({ env: { STRIPE_API_KEY: KEY } }) });
    expect(report).toEqual({ warnings: [], errors: [] });
    const upstream = registry.get('stripe');
    expect(upstream?.base.href).toBe('http://127.0.0.1:9999/');
    expect(upstream?.sensitive).toBe(true);
    expect(upstream?.credential?.reveal()).toBe(KEY);
    expect(JSON.stringify(registry.list())).not.toContain(KEY);
    expect(inspect(registry.list(), { depth: 10 })).not.toContain(KEY);
  });

  it('keeps an upstream whose credential is missing, with a warning naming the variable', () => {
    const { declarations } = readUpstreamDeclarations({ leash: { upstreams: { stripe } } });
    const { registry, report } = createUpstreamRegistry({ declarations, credentials: loadCredentials({ env: {} }) });
    expect(report.warnings).toEqual(['upstream stripe: environment variable STRIPE_API_KEY is not set; its calls will answer 503']);
    expect(registry.get('stripe')?.credential).toBeUndefined();
    expect(registry.get('stripe')?.missingReason).toContain('STRIPE_API_KEY');
  });

  it('loads a secret from a YAML secrets file and warns when the file is readable by others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leash-secrets-'));
    const file = join(dir, 'secrets.yaml');
    writeFileSync(file, `twilio: "AC123:${KEY}"\n`);
    chmodSync(file, 0o644);
    const declarations = [{ name: 'twilio', baseUrl: 'https://api.twilio.com', credential: { kind: 'secret', name: 'twilio' }, inject: { kind: 'basic' }, sensitive: true, streamRoutes: [] } as const];
    const { registry, report } = createUpstreamRegistry({ declarations, credentials: loadCredentials({ env: {}, secretsFile: file }) });
    expect(registry.get('twilio')?.credential?.reveal()).toBe(`AC123:${KEY}`);
    expect(report.warnings.join('\n')).toContain('readable by other users');
    chmodSync(file, 0o600);
    expect(createUpstreamRegistry({ declarations, credentials: loadCredentials({ env: {}, secretsFile: file }) }).report.warnings).toEqual([]);
  });

  it('explains a secret that is not there, and a secrets file that does not parse, without its contents', () => {
    const dir = mkdtempSync(join(tmpdir(), 'leash-secrets-'));
    const file = join(dir, 'secrets.json');
    writeFileSync(file, `{ "other": "${KEY}", `, { mode: 0o600 });
    const declarations = [{ name: 'twilio', baseUrl: 'https://api.twilio.com', credential: { kind: 'secret', name: 'twilio' }, inject: { kind: 'basic' }, sensitive: true, streamRoutes: [] } as const];
    const { report } = createUpstreamRegistry({ declarations, credentials: loadCredentials({ env: {}, secretsFile: file }) });
    expect(report.warnings.join('\n')).toMatch(/secrets file .*secrets\.json:\d+:\d+ is not valid JSON or YAML/);
    expect(report.warnings.join('\n')).not.toContain(KEY);
    const none = createUpstreamRegistry({ declarations, credentials: loadCredentials({ env: {} }) });
    expect(none.report.warnings[0]).toContain('no secrets file is configured');
  });

  it('refuses base URLs the proxy could not stay under, and reports bad metadata by field', () => {
    const credentials = loadCredentials({ env: { STRIPE_API_KEY: KEY } });
    const { declarations } = readUpstreamDeclarations({ leash: { upstreams: { stripe } } });
    const bad = createUpstreamRegistry({ declarations, overrides: { stripe: { url: 'http://user:pw@127.0.0.1:1' } }, credentials });
    expect(bad.report.errors).toEqual(['the configured URL for upstream stripe must not hold a user name or password (use the credential reference)']);
    expect(createUpstreamRegistry({ declarations, overrides: { stripe: { url: 'ftp://x' } }, credentials }).report.errors[0]).toContain('must be http or https');
    const read = readUpstreamDeclarations({ leash: { upstreams: { x: { ...stripe, name: 'x', inject: { type: 'header', name: 'bad header' } } } } });
    expect(read.problems).toEqual(['data.json leash.upstreams.x.inject.name must be an HTTP header name']);
    expect(parseUpstreamUrlFlags(['stripe']).errors).toEqual(['--upstream-url "stripe" must look like name=https://host']);
    expect(createUpstreamRegistry({ declarations, overrides: { nope: { url: 'http://x' } }, credentials }).report.warnings).toEqual([
      'the configuration overrides upstream "nope" but no policy declares it',
    ]);
  });
});
