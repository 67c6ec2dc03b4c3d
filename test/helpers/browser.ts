import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO } from './paths.js';
import { tempDir } from './procs.js';

/** Debian's Chromium (never a downloaded browser). */
export const CHROMIUM = process.env.SPANMAP_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO, 'test', 'artifacts');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A headless Chromium page that records every page error and console error. `expectErrors(re)`
 * allows the console errors a step provokes on purpose (a 400 from a validation test); anything
 * else makes `assertNoErrors` fail.
 */
export class BrowserSession {
  browser!: Browser;
  context!: BrowserContext;
  page!: Page;
  readonly errors: string[] = [];
  private allowed: RegExp[] = [];
  private profile = '';

  async start(viewport = { width: 1440, height: 900 }): Promise<this> {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (make setup installs it)`);
    this.profile = tempDir('chromium-profile');
    // A persistent context is how Playwright passes a user data dir: a fresh one per run.
    this.context = await chromium.launchPersistentContext(this.profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      acceptDownloads: true,
    });
    this.browser = this.context.browser()!;
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    this.page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message}`));
    this.page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const text = `${m.text()} ${m.location().url ?? ''}`;
      if (this.allowed.some((re) => re.test(text))) return;
      this.errors.push(`console error: ${text}`);
    });
    return this;
  }

  /** Console errors matching `re` are expected until `done()` is called. */
  expectErrors(re: RegExp): { done(): void } {
    this.allowed.push(re);
    return { done: () => void (this.allowed = this.allowed.filter((x) => x !== re)) };
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path, fullPage: false });
    return path;
  }

  async stop(): Promise<void> {
    await this.context?.close().catch(() => {});
    if (this.profile) rmSync(this.profile, { recursive: true, force: true });
  }
}
