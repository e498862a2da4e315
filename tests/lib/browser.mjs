// Debian's chromium for the browser tests, launched one way (headless, no
// network of its own, nothing fetched in the background), and the folder
// their screenshots go to.
//
//   const browser = await launchChromium();   // extra flags: launchChromium(['--autoplay-…'])
//   await page.screenshot({ path: path.join(SHOTS, 'tablet-agenda.png') });

import path from 'node:path';
import { chromium } from 'playwright-core';
import { REPO_ROOT } from './server.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SHOTS = path.join(REPO_ROOT, 'tests', 'browser', 'screenshots');

/** Debian's chromium with the flags above and @extra. */
export function launchChromium(extra = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extra] });
}

