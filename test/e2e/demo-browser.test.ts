/**
 * The demo (examples/demo) in a real browser: Debian's Chromium driven by playwright-core, never a downloaded
 * browser. Tollgate, the sample API and the web app run on free ports; the access token lives 10 s here, so the
 * renewal is watched happening. Skipped, saying why, only where /usr/bin/chromium is missing and CI is not set.
 * TOLLGATE_DEMO_SCREENSHOTS=docs/images writes the README's screenshots.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type Demo, startDemo } from '../../examples/demo/start.ts';
import { totpCode } from '../../src/mfa/totp.ts';
import { freePort } from '../helpers/private-services.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const ADA_SECRET = 'JBSWY3DPEHPK3PXP';
const ACCESS_TOKEN_TTL = 10;
const screenshots = process.env.TOLLGATE_DEMO_SCREENSHOTS;
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is missing: apt-get install chromium to run the demo's browser tests` : false;

const now = () => Math.floor(Date.now() / 1000);

describe('the demo in Chromium', { skip, timeout: 90_000 }, () => {
  let demo: Demo;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    demo = await startDemo({ ports: { web: await freePort(), tollgate: await freePort(), api: await freePort() }, accessTokenTtl: ACCESS_TOKEN_TTL });
    // launch() gives every run a fresh, temporary user-data directory of its own.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await demo?.close();
  });

  async function open(viewport: { width: number; height: number }, url = demo.appUrl): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(url);
    return page;
  }

  async function signIn(page: Page, realm: string, username: string, password: string): Promise<void> {
    await page.locator('#login-view').waitFor();
    await page.selectOption('#realm', realm);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#login-form button[type=submit]');
  }

  /** Nothing wider than the screen: no sideways scrolling on a phone. */
  async function fitsWidth(page: Page, width: number): Promise<void> {
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= width, 'the page scrolls sideways');
  }

  test('at 390×844, by keyboard alone: the realm dropdown, a wrong password, a Customer reads items but cannot write (403)', async () => {
    const page = await open(PHONE);
    await page.locator('#realm option').nth(1).waitFor({ state: 'attached' });
    assert.deepEqual(await page.locator('#realm option').allTextContents(), ['Customers', 'Employees']);
    // Every input has its label.
    for (const id of ['realm', 'username', 'password']) assert.equal(await page.locator(`label[for=${id}]`).count(), 1, id);
    await fitsWidth(page, PHONE.width);
    if (screenshots) await page.screenshot({ path: join(screenshots, 'demo-login.png') });

    // From the top of the page, Tab reaches the dropdown, the username and the password.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'realm');
    await page.keyboard.press('Tab');
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type('not-her-password');
    await page.keyboard.press('Enter');
    await page.locator('#error', { hasText: 'Wrong username or password.' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'password', 'focus returns to the password');

    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('A3ddj3w');
    await page.keyboard.press('Enter');
    await page.locator('#app-view').waitFor();
    assert.equal(await page.locator('#scopes').textContent(), 'read:items');
    await page.locator('#items li').first().waitFor();
    assert.ok((await page.locator('#items li').count()) >= 2);

    for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement?.id)) !== 'item-name'; i++) await page.keyboard.press('Tab');
    await page.keyboard.type('A looking-glass cake');
    await page.keyboard.press('Enter');
    await page.locator('#api-error', { hasText: '403 insufficient_scope' }).waitFor();
    assert.doesNotMatch(String(await page.locator('#items').textContent()), /looking-glass cake/);
    await fitsWidth(page, PHONE.width);
  });

  test('at 1280×800: an Employee enters the OTP and writes; the token is renewed without a new login; log out revokes the refresh token', async () => {
    const page = await open(DESKTOP);
    const tokenAnswers: { grant: string; status: number; body: Record<string, unknown> }[] = [];
    page.on('response', async (res) => {
      if (!res.url().endsWith('/oauth/token') || res.request().method() !== 'POST') return;
      const grant = new URLSearchParams(res.request().postData() ?? '').get('grant_type') ?? '';
      tokenAnswers.push({ grant, status: res.status(), body: await res.json().catch(() => ({})) });
    });
    await signIn(page, 'employees', 'ada', 'Analytical-Engine-1843');
    await page.locator('#mfa-view').waitFor();
    assert.equal(await page.locator('#enrol').isHidden(), true, 'ada is enrolled already');
    await page.fill('#otp', totpCode(ADA_SECRET, now()));
    await page.click('#otp-form button[type=submit]');
    await page.locator('#app-view').waitFor();
    assert.equal(await page.locator('#scopes').textContent(), 'read:items, write:items');
    await page.fill('#item-name', 'Notes on the Analytical Engine');
    await page.click('#item-form button[type=submit]');
    await page.locator('#items li', { hasText: 'Notes on the Analytical Engine' }).waitFor();
    assert.equal(await page.locator('#api-error').isHidden(), true);
    if (screenshots) await page.screenshot({ path: join(screenshots, 'demo-signed-in.png') });

    // Renewed before the 10 s token expires, by the refresh token, with no password asked again.
    await page.locator('#session[data-refreshes="1"]').waitFor({ timeout: 20_000 });
    assert.deepEqual(tokenAnswers.map((a) => [a.grant.split('/').pop(), a.status]), [['password-realm', 403], ['mfa-otp', 200], ['refresh_token', 200]]);
    await page.click('#reload');
    await page.locator('#items li', { hasText: 'Notes on the Analytical Engine' }).waitFor();
    assert.equal(await page.locator('#api-error').isHidden(), true, 'the renewed access token works');

    // A proof from the app's own key, made now, so the refresh token can be tried again after log out.
    const tokenUrl = `${demo.issuer}/oauth/token`;
    const proof = await page.evaluate(signProofInPage, tokenUrl);
    const refreshToken = String(tokenAnswers.at(-1)!.body.refresh_token);
    await page.click('#logout');
    await page.locator('#status', { hasText: 'Signed out' }).waitFor();
    await page.locator('#login-view').waitFor();
    const reuse = await fetch(tokenUrl, {
      method: 'POST', headers: { dpop: proof },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'demo-web', refresh_token: refreshToken }),
    });
    const body = await reuse.json();
    assert.deepEqual([reuse.status, body.error], [400, 'invalid_grant'], JSON.stringify(body));
    assert.notEqual(await page.evaluate(signProofInPage, tokenUrl).then(jwkOf), jwkOf(proof), 'a new key after log out');
  });

  test('after 10 wrong passwords the account is blocked for this network (429), and the app says so', async () => {
    const page = await open(PHONE);
    // An unknown username is counted like a real one (docs/attack-protection.md), so no demo account is blocked here.
    let attempts = 0;
    const error = page.locator('#error');
    while (attempts < 12 && !/blocked/.test(String(await error.textContent()))) {
      attempts += 1;
      await signIn(page, 'customers', 'mallory', `guess-${attempts}`);
      await page.locator('#login-form button[type=submit]:not([disabled])').waitFor();
      await page.locator('#error:not([hidden])').waitFor();
    }
    assert.equal(attempts, 11, 'the eleventh attempt is refused');
    assert.match(String(await error.textContent()), /^This account is blocked on this network after too many failed attempts/);
  });

  test('a user without an authenticator enrols one: QR code, key and recovery code, confirmed by its first code', async () => {
    const page = await open(PHONE);
    await signIn(page, 'employees', 'grace', 'Flow-Matic-1955');
    await page.locator('#enrol').waitFor();
    assert.match(String(await page.locator('#qr').getAttribute('src')), /^data:image\/png;base64,/);
    assert.match(String(await page.locator('#recovery-code').textContent()), /^[A-Z2-7]{24}$/);
    const secret = String(await page.locator('#otp-secret').textContent());
    await fitsWidth(page, PHONE.width);
    await page.fill('#otp', totpCode(secret, now()));
    await page.click('#otp-form button[type=submit]');
    await page.locator('#app-view').waitFor();
    assert.equal(await page.locator('#recovery-code').textContent(), '', 'the recovery code is gone from the page');
  });

  test('a page of another origin cannot read Tollgate\'s answers (CORS); the app\'s own origin can', async () => {
    const attempt = (tokenUrl: string) => fetch(tokenUrl, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: 'demo-web', refresh_token: 'x' }) })
      .then((res) => `status ${res.status}`, (err: Error) => `blocked: ${err.name}`);
    const tokenUrl = `${demo.issuer}/oauth/token`;
    const own = await open(DESKTOP);
    assert.equal(await own.evaluate(attempt, tokenUrl), 'status 400');
    // localhost is another origin than 127.0.0.1, which is the one demo-web registered.
    const other = await open(DESKTOP, demo.appUrl.replace('127.0.0.1', 'localhost'));
    assert.equal(await other.evaluate(attempt, tokenUrl), 'blocked: TypeError');
    await other.locator('#error', { hasText: 'could not be loaded' }).waitFor();
  });
});

/** Runs in the page: a DPoP proof for POST `url` signed by the app's key from IndexedDB (the key cannot leave it). */
async function signProofInPage(url: string): Promise<string> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open('tollgate-demo', 1);
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const pair = await new Promise<CryptoKeyPair>((resolve, reject) => {
    const get = db.transaction('keys').objectStore('keys').get('dpop');
    get.onsuccess = () => resolve(get.result);
    get.onerror = () => reject(get.error);
  });
  db.close();
  const b64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const text = (value: unknown) => b64url(new TextEncoder().encode(JSON.stringify(value)));
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const input = `${text({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } })}.${text({ htm: 'POST', htu: url, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID() })}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, new TextEncoder().encode(input));
  return `${input}.${b64url(new Uint8Array(signature))}`;
}

function jwkOf(proof: string): string {
  return JSON.stringify(JSON.parse(Buffer.from(proof.split('.')[0]!, 'base64url').toString()).jwk);
}
