// The operator console in a real browser: Debian's Chromium driven by playwright-core
// against a real server (example policies, memory stores, real tokens). Sign-in refused
// with a wrong token and accepted with the admin token; a denial appears in the live view
// within a second; a session quarantined from the UI has its next call refused, and works
// again once released; the kill switch stops an agent; alerts show their webhook delivery;
// the policy view and "why" read the serving bundle; the charts fill. Along the way: no
// Content-Security-Policy violation, every control labelled, keyboard focus where it should
// be, and neither the admin token nor an agent token anywhere in the page.
// With LEASH_CONSOLE_SCREENSHOTS=1 each view is saved to docs/console/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startReceiver, type Receiver } from '../alerts/fixtures.ts';
import { ADMIN_TOKEN, launchChromium, startConsoleServer, supportClaims, type ConsoleServer } from './fixture.ts';

let server: ConsoleServer;
let hook: Receiver;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];
const pageErrors: string[] = [];
const agentTokens: string[] = [];

const SHOTS = process.env['LEASH_CONSOLE_SCREENSHOTS'] === '1';
async function shot(name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync('docs/console', { recursive: true });
  await page.screenshot({ path: `docs/console/${name}.png`, fullPage: true });
}

/** every form control on the page has an accessible name from a <label> or aria-label */
async function unlabelledControls(): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, meter')]
      .filter((el) => {
        const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        return !labelled && (el as HTMLElement).offsetParent !== null;
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

const focused = () => page.evaluate(() => ({ tag: document.activeElement?.tagName ?? '', text: (document.activeElement as HTMLElement | null)?.innerText ?? '', id: document.activeElement?.id ?? '' }));

beforeAll(async () => {
  hook = await startReceiver();
  server = await startConsoleServer({ alerts: { webhook: hook.url } });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await hook?.close();
});

describe('operator console in Chromium', () => {
  it('refuses a wrong token at sign-in and sets no session cookie', async () => {
    const res = await page.goto(`${server.url}/console/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    const token = page.getByLabel('Admin token');
    await expect.poll(() => focused().then((f) => f.id)).toBe('token'); // autofocus
    await token.fill('not-the-admin-token-at-all');
    await page.keyboard.press('Tab');
    expect((await focused()).text).toBe('Sign in');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted');
    expect(await context.cookies()).toEqual([]);
    await shot('login');
  });

  it('signs in with the admin token; the token is not kept in the page', async () => {
    await page.getByLabel('Admin token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console views' }).waitFor();
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toEqual(['leash_console']);
    expect(cookies[0]!.httpOnly).toBe(true);
    expect(cookies[0]!.sameSite).toBe('Strict');
    expect(cookies[0]!.value).not.toContain(ADMIN_TOKEN);
    expect(await page.content()).not.toContain(ADMIN_TOKEN);
    await page.locator('.live.live').waitFor();
  });

  it('shows a denial live within a second of the request', async () => {
    const claims = supportClaims();
    const started = Date.now();
    const denied = await server.decide(claims, 'GET', '/customers/C-332/records/7');
    expect(denied.body.allow).toBe(false);
    const row = page.locator(`tr[data-decision-id="${denied.body.decision_id}"]`);
    await row.waitFor({ timeout: 1_000 });
    const seenAfterMs = Date.now() - started;
    expect(seenAfterMs).toBeLessThan(1_000);
    await expect.poll(() => row.textContent()).toContain('task scope is customer C-771, request is for C-332');
    expect(await row.textContent()).toContain('deny 403');
    expect(await unlabelledControls()).toEqual([]);
    // filtering by outcome keeps the denial and drops an allowed call
    const allowed = await server.decide(claims, 'GET', '/customers/C-771/records/42');
    await page.locator(`tr[data-decision-id="${allowed.body.decision_id}"]`).waitFor();
    await shot('decisions');
    await page.getByLabel('Outcome').selectOption('deny');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator(`tr[data-decision-id="${allowed.body.decision_id}"]`).count()).toBe(0);
    expect(await row.count()).toBe(1);
    // paused: new decisions are held and counted, not shown
    await page.getByRole('button', { name: 'Pause' }).click();
    const held = await server.decide(claims, 'GET', '/customers/C-999/records/1');
    await expect.poll(() => page.getByRole('button', { name: /Resume \(1 new\)/ }).count()).toBe(1);
    expect(await page.locator(`tr[data-decision-id="${held.body.decision_id}"]`).count()).toBe(0);
    await page.getByRole('button', { name: /Resume/ }).click();
    await page.locator(`tr[data-decision-id="${held.body.decision_id}"]`).waitFor();
  });

  it('quarantines a session from the UI (the next call is refused) and releases it', async () => {
    const claims = supportClaims();
    const sid = claims['sid'] as string;
    const first = await server.decide(claims, 'GET', '/customers/C-771/records/1');
    expect(first.body.allow).toBe(true);
    await page.getByRole('link', { name: 'Sessions' }).click();
    const card = page.locator(`li[data-session="${sid}"]`);
    await card.waitFor();
    // the session's read limit as a bar against its maximum
    expect(await card.getByLabel(/support-agent.*1 of 50 used/).count()).toBe(1);
    expect(await unlabelledControls()).toEqual([]);
    const open = card.getByRole('button', { name: `Quarantine session ${sid}` });
    await open.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Quarantine session ${sid}?` });
    await dialog.waitFor();
    // focus moved into the dialog, on its confirming button; Escape cancels and gives focus back
    expect((await focused()).text).toBe('Quarantine');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await focused()).text).toBe(`Quarantine session ${sid}`);
    expect((await server.decide(claims, 'GET', '/customers/C-771/records/2')).body.allow).toBe(true);

    await open.click();
    expect(await unlabelledControls()).toEqual([]);
    await dialog.getByLabel(/Reason/).fill('looping on the records API');
    await dialog.getByRole('button', { name: 'Quarantine' }).click();
    await card.getByText('Quarantined: looping on the records API').waitFor();
    const refused = await server.decide(claims, 'GET', '/customers/C-771/records/3');
    expect(refused.body).toMatchObject({ allow: false, code: 'quarantined' });
    await shot('sessions');

    await card.getByRole('button', { name: `Release session ${sid}` }).click();
    await page.getByRole('dialog', { name: `Release session ${sid}?` }).getByRole('button', { name: 'Release' }).click();
    await card.getByRole('button', { name: `Quarantine session ${sid}` }).waitFor();
    expect((await server.decide(claims, 'GET', '/customers/C-771/records/4')).body.allow).toBe(true);
  });

  it('stops an agent fleet-wide with the kill switch and turns it off again', async () => {
    const claims = supportClaims({ sub: 'runaway-bot' });
    const sid = claims['sid'] as string;
    await server.decide(claims, 'GET', '/customers/C-771/records/1');
    const card = page.locator(`li[data-session="${sid}"]`);
    await card.waitFor();
    await card.getByRole('button', { name: 'Stop agent runaway-bot' }).click();
    await page.getByRole('dialog', { name: 'Stop agent runaway-bot everywhere?' }).getByRole('button', { name: 'Stop agent' }).click();
    await page.getByRole('heading', { name: 'Kill switches on' }).waitFor();
    // another session of the same agent is refused too
    const other = await server.decide(supportClaims({ sub: 'runaway-bot' }), 'GET', '/customers/C-771/records/2');
    expect(other.body).toMatchObject({ allow: false, code: 'kill_switch' });
    expect((await server.decide(supportClaims(), 'GET', '/customers/C-771/records/2')).body.allow).toBe(true);
    await page.getByRole('button', { name: 'Turn off for agent runaway-bot' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Kill switches on' }).count()).toBe(0);
    expect((await server.decide(claims, 'GET', '/customers/C-771/records/3')).body.allow).toBe(true);
  });

  it('lists write-anomaly alerts with their webhook delivery', async () => {
    hook.failNext([500]);
    const denied = await server.decide(supportClaims(), 'PATCH', '/tickets/T-1000');
    expect(denied.body.allow).toBe(false);
    await hook.waitFor(1);
    await page.getByRole('link', { name: 'Alerts' }).click();
    const row = page.locator('table.alerts tbody tr').first();
    await expect.poll(() => row.textContent(), { timeout: 5_000 }).toContain('webhook answered');
    expect(await row.textContent()).toContain('last error: HTTP 500');
    expect(await row.textContent()).not.toContain(hook.url);
    await shot('alerts');
  });

  it('shows the serving bundle and explains a pasted request', async () => {
    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByRole('heading', { name: 'Policy support-agent' }).waitFor();
    const bundle = await page.locator('section[aria-labelledby="bundle-title"]').textContent();
    expect(bundle).toContain('not verified: no verification key is configured');
    expect(bundle).toContain('unsigned');
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => page.locator('.explain').textContent()).toContain('decided by: customerRecords.read, class scope');
    expect(await page.locator('.explain').textContent()).toContain('reason: task scope is customer C-771, request is for C-332');
    await page.getByLabel(/^Request \(JSON/).fill('{"token":"eyJ..."}');
    await page.getByRole('button', { name: 'Explain' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not the token');
    expect(await unlabelledControls()).toEqual([]);
    await shot('policy');
  });

  it('charts decisions, denials and latency from the metrics', async () => {
    await page.getByRole('link', { name: 'Charts' }).click();
    await expect.poll(() => page.locator('.summary').textContent(), { timeout: 10_000 }).toMatch(/decisions\/s/);
    expect(await page.locator('.chart canvas').count()).toBe(2);
    await shot('charts');
  });

  it('kept to its Content-Security-Policy and never showed a token', async () => {
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
    const html = await page.content();
    expect(html).not.toContain(ADMIN_TOKEN);
    expect(html).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
    for (const t of agentTokens) expect(html).not.toContain(t);
  });

  it('signs out: the cookie no longer opens the API', async () => {
    const cookie = (await context.cookies())[0]!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    const res = await fetch(`${server.url}/console/api/sessions`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(res.status).toBe(401);
  });
});
