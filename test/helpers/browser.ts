/**
 * Debian's Chromium driven by playwright-core, as the machines here allow it: headless,
 * no sandbox (tests run as root), nothing that phones home (this network refuses it), and
 * a fresh empty profile per launch.
 */
import { type BrowserContext, chromium } from 'playwright-core';
import { tempDir } from './spool.js';

export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(tempDir('chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
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
  });
}
