// Debian's chromium, headless, driven by playwright-core (no browser download): a fresh profile per
// launch, and every console error and page error collected so a test can assert there were none; and the
// fixture of the console's browser tests: per test a broker with its HTTP door, an SDK client and chromium.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeEach } from 'vitest';
import type { Sluice } from '../../src/client/index.js';
import { sdkClient } from '../client/helpers.js';
import { type HttpBroker, startHttpBroker } from '../http/helpers.js';
import { removeTempDirs, tempDir } from './temp-dir.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Screenshots land here (gitignored): test artifacts a person can look at. */
export const ARTIFACTS = resolve(import.meta.dirname, '..', 'artifacts');

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors so far. */
  errors: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<TestBrowser> {
  const context = await chromium.launchPersistentContext(await tempDir('sluice-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    context,
    page,
    errors,
    screenshot: async (name) => {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    close: () => context.close(),
  };
}

export interface ConsoleFixture {
  /** The broker and its HTTP door (a fresh one per test). */
  readonly b: HttpBroker;
  /** An SDK client of that broker. */
  readonly sluice: Sluice;
  /** Chromium with a fresh profile. */
  readonly browser: TestBrowser;
}

/**
 * Registers, in the calling test file, a broker with its HTTP door, an SDK client of it and a fresh
 * chromium before each test, both stopped after it (and the temp dirs removed after the file). Read the
 * fields inside a test: they are replaced before each one.
 */
export function useConsoleFixture(): ConsoleFixture {
  const current: { b?: HttpBroker; sluice?: Sluice; browser?: TestBrowser } = {};
  beforeEach(async () => {
    current.b = await startHttpBroker();
    current.sluice = sdkClient(current.b.broker.port);
    current.browser = await openBrowser();
  });
  afterEach(async () => {
    await current.browser?.close();
    await current.b?.stop();
    current.browser = undefined;
    current.b = undefined;
    current.sluice = undefined;
  });
  afterAll(removeTempDirs);
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the console fixture is set up before each test: read it inside one');
    return value;
  };
  return {
    get b() {
      return started(current.b);
    },
    get sluice() {
      return started(current.sluice);
    },
    get browser() {
      return started(current.browser);
    },
  };
}
