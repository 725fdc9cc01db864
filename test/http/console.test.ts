// The web console in a real browser (Debian's chromium, headless): every page loads without console
// errors, the message browser shows records the SDK produced, a group's lag moves as it consumes, and
// an offsets reset through the page works. Screenshots go to test/artifacts/.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { collect } from '../client/helpers.js';
import { useConsoleFixture } from '../helpers/browser.js';
import { call } from './helpers.js';

const fixture = useConsoleFixture();

/** The page is no wider than the window: nothing on it makes it scroll sideways. */
async function expectPageFitsWindow(page: Page): Promise<void> {
  const widths = await page.evaluate(() => {
    const doc = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document;
    return { page: doc.documentElement.scrollWidth, viewport: doc.documentElement.clientWidth };
  });
  expect(widths.page).toBeLessThanOrEqual(widths.viewport);
}

async function produce(topic: string, count: number, from = 0) {
  const producer = fixture.sluice.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: Array.from({ length: count }, (_, i) => ({
      partition: 0,
      key: `order-${from + i}`,
      value: JSON.stringify({ order: from + i, item: from + i === 7 ? 'needle' : 'widget' }),
      headers: { source: 'sdk' },
    })),
  });
  await producer.disconnect();
}

describe('web console', () => {
  it('shows the overview, topics, partition detail and produced records, pages, searches and produces', async () => {
    const { b, browser } = fixture;
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'orders', partitions_count: 2 });
    await produce('orders', 60);
    const { page } = browser;

    await page.goto(`${b.url}/`);
    await page.getByTestId('topic-count').filter({ hasText: '1' }).waitFor();
    await page.locator('.uplot').first().waitFor();
    await browser.screenshot('console-overview');

    await page.click('text=Topics');
    await page.getByTestId('topics').getByText('orders').waitFor();
    await browser.screenshot('console-topics');
    await page.getByTestId('topics').getByRole('link', { name: 'orders' }).click();
    await page.getByTestId('partitions').locator('td', { hasText: '60' }).first().waitFor();
    await browser.screenshot('console-topic-detail');

    await page.goto(`${b.url}/#/browser/orders`);
    await page.locator('select[name="partition"] option').nth(1).waitFor({ state: 'attached' });
    await page.click('button:has-text("Show")');
    const records = page.getByTestId('records');
    await records.getByText('order-0', { exact: true }).waitFor();
    expect(await records.locator('tr').count()).toBe(51); // header + one page of 50
    await expect.poll(() => records.textContent()).toContain('"item": "widget"');
    await page.click('button:has-text("Next")');
    await records.getByText('order-55', { exact: true }).waitFor();
    await page.click('button:has-text("Previous")');
    await records.getByText('order-0', { exact: true }).waitFor();
    await page.selectOption('select[name="view"]', 'hex');
    await records
      .getByText(/^7b 22 6f 72/)
      .first()
      .waitFor(); // '{"or' of the first value
    await page.selectOption('select[name="view"]', 'json');

    await page.fill('input[name="search"]', 'needle');
    await page.click('button:has-text("Search next")');
    await page.getByText('1 match(es)').waitFor();
    expect(await records.locator('tr').count()).toBe(2);
    await browser.screenshot('console-messages');

    await page.fill('input[name="key"]', 'typed-in-browser');
    await page.fill('input[name="value"]', 'hello from the console');
    await page.click('button:has-text("Produce to orders-0")');
    await page.getByTestId('produced').filter({ hasText: 'offset 60' }).waitFor();
    const stored = await call(b, 'GET', `${b.cluster}/topics/orders/partitions/0/records?offset=60`);
    expect(stored.body.data[0].value).toMatchObject({ type: 'STRING', data: 'hello from the console' });

    expect(browser.errors).toEqual([]);
  });

  it("shows a group's members and lag, the lag moving as it consumes, and resets its offsets", async () => {
    const { b, browser, sluice } = fixture;
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'jobs', partitions_count: 1 });
    await produce('jobs', 10);
    const consumer = sluice.consumer({ groupId: 'workers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'jobs', fromBeginning: true });
    await collect(consumer, 10);
    const { page } = browser;

    await page.goto(`${b.url}/#/groups`);
    await page.getByTestId('groups').getByRole('link', { name: 'workers' }).click();
    await page.getByTestId('group-state').filter({ hasText: 'Stable' }).waitFor();
    await page.getByTestId('members').getByText('jobs-0').waitFor();
    await page.getByTestId('total-lag').filter({ hasText: /^0$/ }).waitFor();
    await consumer.disconnect();

    await produce('jobs', 5, 10);
    await page.getByTestId('total-lag').filter({ hasText: /^5$/ }).waitFor();
    await page.getByTestId('group-state').filter({ hasText: 'Empty' }).waitFor();
    await browser.screenshot('console-group-lag');

    await page.selectOption('select[name="reset-to"]', 'earliest');
    await page.click('button:has-text("Reset offsets…")');
    await page.click('button:has-text("Confirm reset")');
    await page.getByTestId('reset-result').filter({ hasText: 'reset: 0→0' }).waitFor();
    await page.getByTestId('total-lag').filter({ hasText: /^15$/ }).waitFor();
    await browser.screenshot('console-group-reset');

    const again = sluice.consumer({ groupId: 'workers' });
    await again.connect();
    await again.subscribe({ topic: 'jobs' });
    const replayed = await collect(again, 15);
    expect(replayed).toHaveLength(15);
    await page.getByTestId('total-lag').filter({ hasText: /^0$/ }).waitFor();
    await again.disconnect();

    expect(browser.errors).toEqual([]);
  });

  it('shows a not-found page for an address that does not decode or names no page, instead of a blank one', async () => {
    const { b, browser } = fixture;
    const { page } = browser;
    await page.goto(`${b.url}/#/topics/%E0%A4%A`);
    await page.getByTestId('not-found').filter({ hasText: 'is not a valid address' }).waitFor();
    await page.getByRole('link', { name: 'Topics' }).waitFor();
    await browser.screenshot('console-not-found');
    await page.goto(`${b.url}/#/nowhere`);
    await page.getByTestId('not-found').filter({ hasText: 'names no page' }).waitFor();
    await page.getByTestId('not-found').getByRole('link', { name: 'overview' }).click();
    await page.getByTestId('topic-count').waitFor();
    expect(browser.errors).toEqual([]);
  });

  it('produces a header value beyond Latin-1 as UTF-8 (btoa alone throws on it)', async () => {
    const { b, browser } = fixture;
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'cities', partitions_count: 1 });
    const { page } = browser;
    await page.goto(`${b.url}/#/browser/cities`);
    await page.fill('input[name="value"]', 'héllo');
    await page.fill('input[name="header"]', 'city');
    await page.fill('input[name="headerValue"]', 'Zürich – 東京 ✓');
    await page.click('button:has-text("Produce to cities-0")');
    await page.getByTestId('produced').filter({ hasText: 'offset 0' }).waitFor();
    const stored = await call(b, 'GET', `${b.cluster}/topics/cities/partitions/0/records?offset=0`);
    expect(Buffer.from(stored.body.data[0].headers[0].value, 'base64').toString()).toBe('Zürich – 東京 ✓');
    expect(stored.body.data[0].value).toMatchObject({ type: 'STRING', data: 'héllo' });
    expect(browser.errors).toEqual([]);
  });

  it('keeps a 249-character topic name within the page, cut with an ellipsis and whole in its title', async () => {
    const { b, browser } = fixture;
    const long = `t${'o'.repeat(240)}-longest`;
    expect(long).toHaveLength(249);
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: long, partitions_count: 1 });
    const { page } = browser;
    await page.goto(`${b.url}/#/browser/${long}`);
    const select = page.locator('select[name="topic"]');
    await expect.poll(() => select.inputValue()).toBe(long);
    expect(await select.getAttribute('title')).toBe(long);
    expect(await select.locator('option').first().getAttribute('title')).toBe(long);
    await expectPageFitsWindow(page);
    expect((await select.boundingBox())!.width).toBeLessThan(500);
    await browser.screenshot('console-long-topic');
    expect(browser.errors).toEqual([]);
  });

  it('keeps a 249-character topic name and a 255-character group id within the Topics and groups pages, cut with an ellipsis and whole in their title', async () => {
    const { b, browser, sluice } = fixture;
    const topic = `t${'o'.repeat(240)}-longest`;
    const group = `g${'r'.repeat(246)}-longest`;
    expect(group).toHaveLength(255);
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: topic, partitions_count: 1 });
    await produce(topic, 3);
    const consumer = sluice.consumer({ groupId: group });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await collect(consumer, 3);
    const { page } = browser;
    /** The elements showing `name` cut, each narrower than the page and holding it whole in its title. */
    const cutEverywhere = async (name: string, count: number) => {
      const shown = page.locator(`.long-name[title="${name}"]`);
      await expect.poll(() => shown.count()).toBe(count);
      for (const element of await shown.all()) {
        expect(await element.textContent()).toBe(name);
        expect((await element.boundingBox())!.width).toBeLessThan(500);
      }
    };

    await page.goto(`${b.url}/#/topics`);
    await cutEverywhere(topic, 1);
    await expectPageFitsWindow(page);
    await browser.screenshot('console-long-topics');
    await page.getByTestId('topics').getByRole('link', { name: topic }).click();
    await page.getByTestId('partitions').locator('td', { hasText: '3' }).first().waitFor();
    await cutEverywhere(topic, 1); // the heading
    await expectPageFitsWindow(page);

    await page.goto(`${b.url}/#/groups`);
    await cutEverywhere(group, 1);
    await expectPageFitsWindow(page);
    await page.getByTestId('groups').getByRole('link', { name: group }).click();
    await page.getByTestId('group-state').filter({ hasText: 'Stable' }).waitFor();
    // The heading; the topic in the member's assignment, the lag table and the reset form's select.
    await cutEverywhere(group, 1);
    await cutEverywhere(topic, 3);
    await expectPageFitsWindow(page);
    await consumer.disconnect();
    await page.getByTestId('group-state').filter({ hasText: 'Empty' }).waitFor();
    await page.click('button:has-text("Reset offsets…")');
    // The confirmation names both, cut too.
    await page.getByText(/'s offsets of/).waitFor();
    await cutEverywhere(group, 2);
    await cutEverywhere(topic, 3);
    await expectPageFitsWindow(page);
    await browser.screenshot('console-long-group');
    expect(browser.errors).toEqual([]);
  });

  it('follows the address from one topic to another on the Messages page', async () => {
    const { b, browser } = fixture;
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'first', partitions_count: 1 });
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'second', partitions_count: 1 });
    await call(b, 'POST', `${b.cluster}/topics/first/records`, { value: { type: 'STRING', data: 'in first' } });
    await call(b, 'POST', `${b.cluster}/topics/second/records`, { value: { type: 'STRING', data: 'in second' } });
    const { page } = browser;
    const select = page.locator('select[name="topic"]');
    const records = page.getByTestId('records');

    await page.goto(`${b.url}/#/browser/first`);
    await expect.poll(() => select.inputValue()).toBe('first');
    await records.getByText('in first').waitFor();
    // A link or the address bar changes only the hash: the same page, another topic.
    await page.evaluate('location.hash = "#/browser/second"');
    await expect.poll(() => select.inputValue()).toBe('second');
    await records.getByText('in second').waitFor();
    expect(await records.getByText('in first').count()).toBe(0);
    await page.goBack();
    await expect.poll(() => select.inputValue()).toBe('first');
    await records.getByText('in first').waitFor();
    expect(browser.errors).toEqual([]);
  });

  it('opens Messages on the latest records of the chosen partition and pages back from them', async () => {
    const { b, browser } = fixture;
    await call(b, 'POST', `${b.cluster}/topics`, { topic_name: 'orders', partitions_count: 2 });
    await produce('orders', 60);
    const { page } = browser;

    await page.goto(`${b.url}/#/browser/orders`);
    const records = page.getByTestId('records');
    // No Show pressed: the last 50 records of partition 0 are there.
    await records.getByText('order-59', { exact: true }).waitFor();
    expect(await records.locator('tr').count()).toBe(51);
    await records.getByText('order-10', { exact: true }).waitFor();
    await page.getByText('offsets 10–59 of 0–59').waitFor();
    await browser.screenshot('console-messages-latest');
    await page.click('button:has-text("Previous")');
    await page.getByText('offsets 0–9 of 0–59').waitFor();
    await records.getByText('order-0', { exact: true }).waitFor();
    expect(await page.locator('button:has-text("Previous")').isDisabled()).toBe(true);
    // Another partition: its own latest records (none), not the last partition's under its name.
    await page.selectOption('select[name="partition"]', '1');
    await page.getByText('no records of an empty partition').waitFor();
    expect(await records.locator('tr').count()).toBe(1);
    expect(browser.errors).toEqual([]);
  });
});
