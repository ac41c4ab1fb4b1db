import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { missingPart } from '../harness/free-port.js';

export const CHROMIUM = '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fresh profile; null (skipped loudly, or failing in CI) when it is missing. */
export async function launchChromium(): Promise<TestBrowser | null> {
  if (!existsSync(CHROMIUM)) {
    missingPart(`Chromium (${CHROMIUM})`);
    return null;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    // launch() gives every run a fresh temporary profile (Playwright refuses --user-data-dir here)
    close: () => browser.close(),
  };
}

/** What a person's browser did that a test should know about: console errors and requests to other origins. */
export interface Watched {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  foreignRequests: string[];
  newPage(): Promise<Page>;
}

export async function personBrowser(browser: Browser, origin: string, viewport = DESKTOP): Promise<Watched> {
  const context = await browser.newContext({ viewport });
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  };
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith('data:') && new URL(url).origin !== origin) foreignRequests.push(url);
  });
  const page = await context.newPage();
  watch(page);
  return {
    context,
    page,
    consoleErrors,
    foreignRequests,
    newPage: async () => {
      const more = await context.newPage();
      watch(more);
      return more;
    },
  };
}

/** Signs in through the form as a person would: the field labelled Token, the button Sign in. */
export async function signIn(page: Page, origin: string, token: string, hash = ''): Promise<void> {
  await page.goto(`${origin}/${hash}`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** A mark in the page's window that a reload would wipe: proves a change arrived live. */
export async function markNoReload(page: Page): Promise<() => Promise<boolean>> {
  const mark = `m${Math.random()}`;
  await page.evaluate((m) => ((globalThis as unknown as Record<string, string>).__rewindMark = m), mark);
  return () => page.evaluate((m) => (globalThis as unknown as Record<string, string>).__rewindMark === m, mark);
}
