// Writes docs/screenshot.png, the README's picture (run by hand after a
// release build: `node tests/browser/make-readme-screenshot.mjs`). The
// running pods come from `?bench=`, which creates them through the API
// server; the seed app is applied from the Examples menu.
import { join } from 'node:path';
import { ROOT, launchChromium, openApp } from './harness.mjs';

const browser = await launchChromium();
const { page, problems, close } = await openApp(browser, {
  query: '?bench=54',
  viewport: { width: 1440, height: 900 },
  colorScheme: process.env.SCHEME ?? 'light',
});
await page.click('button.examples');
await page.click('.menu-item:has-text("Seed: the whole snacker app")');
await page.click('button.apply');
// More room for the cluster: drag the bottom panel's edge down.
const split = await page.locator('.split.h').boundingBox();
await page.mouse.move(1000, split.y + 2);
await page.mouse.down();
await page.mouse.move(1000, split.y + 90, { steps: 4 });
await page.mouse.up();
await page.waitForTimeout(1500);
await page.click('.nodes [data-node="node-2"] .pod.st-ready');
// Catch a pod flying from the scheduling queue to its node.
for (let i = 0; i < 100; i++) {
  if ((await page.$$eval('.flight', (e) => e.length)) > 0) break;
  await page.waitForTimeout(50);
}
await page.waitForTimeout(250);
await page.screenshot({ path: join(ROOT, 'docs', 'screenshot.png') });
if (problems.length) console.error(problems);
await close();
await browser.close();
