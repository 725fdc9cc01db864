// The console against a broker with authentication on, in real chromium: the page asks for a token, a bad
// one is refused and asked for again, a good one shows the overview (and is kept for the tab's session).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestKeys, signToken } from '../helpers/jwt.js';
import { removeTempDirs } from '../helpers/temp-dir.js';
import { openBrowser, type TestBrowser } from '../helpers/browser.js';
import { type HttpBroker, startHttpBroker } from './helpers.js';

let b: HttpBroker;
let browser: TestBrowser;
const keys = makeTestKeys();

beforeAll(async () => {
  b = await startHttpBroker({
    security: { authentication: true, authorization: true, superUsers: ['ops'], jwt: { key: keys.rsa.publicPem } },
  });
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await b?.stop();
  await removeTempDirs();
});

describe('console sign-in', () => {
  it('asks for a token, refuses a bad one, then shows the overview', async () => {
    const { page } = browser;
    await page.goto(`${b.url}/`);
    const form = page.getByTestId('sign-in');
    await form.waitFor();
    await page.getByText('This broker requires authentication.').waitFor();
    await browser.screenshot('console-sign-in');
    await page.fill('textarea[name="token"]', 'not-a-token');
    await page.click('button[type="submit"]');
    await page.getByText('Those credentials were refused.').waitFor();
    await page.fill('textarea[name="token"]', await signToken(keys, { sub: 'ops' }));
    await page.click('button[type="submit"]');
    await page.getByTestId('topic-count').waitFor();
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem(
          'sluice.authorization',
        ),
      ),
    ).toMatch(/^Bearer /);
    await page.reload();
    await page.getByTestId('topic-count').waitFor();
    await browser.screenshot('console-signed-in');
    // The refused requests are the browser's own "401" resource errors; nothing else went wrong.
    expect(browser.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
  });
});
