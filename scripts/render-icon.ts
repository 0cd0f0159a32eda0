// Renders media/icon.svg to media/icon.png (128×128, transparent corners) with the Chromium the
// tests use. Run after changing the SVG and commit both: `node --import tsx scripts/render-icon.ts`.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { launchChromium } from '../test/e2e/support/chromium';

async function main(): Promise<void> {
  const media = path.resolve(__dirname, '..', 'media');
  const svg = readFileSync(path.join(media, 'icon.svg'), 'utf8');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
    await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: path.join(media, 'icon.png'), omitBackground: true });
  } finally {
    await browser.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
