/**
 * Each kind of HTML report opened in a real headless Chromium (playwright-core driving Debian's chromium):
 * no console errors, no network requests, every chart an SVG with its marks, the verdict visible, and a
 * hostile case id shown as text. Screenshots go to reports/screenshots/ for inspection.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI)
  throw new Error(`Chromium is missing at ${CHROMIUM}; CI must install it (apt-get install -y chromium)`);
if (!available)
  console.warn(
    `skipping the browser tests: no Chromium at ${CHROMIUM}; install it with: apt-get install -y chromium (or set CHROMIUM_PATH)`,
  );

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
const shots = fileURLToPath(new URL('../../reports/screenshots/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'bptt-html-'));
const HOSTILE = '<script>alert(1)</script>';

describe.skipIf(!available)('HTML reports in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    mkdirSync(shots, { recursive: true });
    const compare = await cli(['compare', '--id', HOSTILE, '--bias', '--out', 'compare'], dir);
    expect(compare.code).toBe(0);
    const vanishing = await cli(
      ['vanishing', '--id', HOSTILE, '--steps', '20', '--w-norm', '0.5,4', '--out', 'vanishing'],
      dir,
    );
    expect(vanishing.code).toBe(0);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    ['compare', ['heatmap-W', 'steps']],
    ['vanishing', ['adjoints', 'jacobian', 'decay']],
  ] as [string, string[]][])(
    'the %s report loads with no errors and no network, with every chart drawn',
    async (kind, charts) => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      let dialogs = 0;
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('dialog', async (d) => {
        dialogs++;
        await d.dismiss();
      });
      const url = pathToFileURL(join(dir, kind, 'report.html')).href;
      page.on('request', (r) => r.url() !== url && requests.push(r.url()));
      await page.goto(url);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      expect(dialogs).toBe(0);

      const verdict = page.locator('#verdict');
      await expect(verdict.isVisible()).resolves.toBe(true);
      expect(await verdict.textContent()).toMatch(/^PASS: /);

      for (const name of charts) {
        const svg = page.locator(`#chart-${name} svg`);
        expect(await svg.count()).toBe(1);
        // vega's SVG renderer draws data marks as role-mark groups holding paths (lines, points, bars)
        expect(
          await page.locator(`#chart-${name} svg .role-mark path, #chart-${name} svg .role-mark rect`).count(),
        ).toBeGreaterThan(0);
        expect(await page.locator(`#chart-${name} svg .role-title text`).count()).toBeGreaterThan(0); // a title
        expect(await page.locator(`#chart-${name} svg .role-axis-title text`).count()).toBe(2); // both axes labelled
        expect(await page.locator(`#chart-${name} svg .role-legend`).count()).toBeGreaterThan(0); // a legend
      }
      expect(await page.locator('body').textContent()).toContain(HOSTILE); // shown as text, never run
      expect(await page.locator('script').count()).toBe(0);
      await page.screenshot({ path: join(shots, `${kind}.png`), fullPage: true });
      await page.close();
    },
  );
});
