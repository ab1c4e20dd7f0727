// Writes docs/screenshot.png, the README's picture (run by hand after a
// release build: `node tests/browser/make-readme-screenshot.mjs`): the seed
// app scheduled and running on three replicas, with traffic from the
// engine's generator travelling ingress → service → pods.
import { join } from 'node:path';
import { ROOT, launchChromium, openApp } from './harness.mjs';

const browser = await launchChromium();
const { page, problems, close } = await openApp(browser, {
  query: '?speed=16',
  viewport: { width: 1440, height: 900 },
  colorScheme: process.env.SCHEME ?? 'light',
});
await page.click('button.examples');
await page.click('.menu-item:has-text("Seed: the whole snacker app")');
await page.click('button.apply');
await page.fill('input.console-input', 'kubectl scale deployment snacker-deployment --replicas=3');
await page.press('input.console-input', 'Enter');
await page.waitForFunction(() => document.querySelector('.workloads .wl-ready')?.textContent === '3/3', null, { timeout: 60_000 });
await page.selectOption('select.speed', { label: '1×' });
await page.click('.ptab:has-text("Traffic")');
await page.fill('.traffic input.rate', '4');
await page.click('button.generator');
// More room for the cluster: drag the bottom panel's edge down.
const split = await page.locator('.split.h').boundingBox();
await page.mouse.move(1000, split.y + 2);
await page.mouse.down();
await page.mouse.move(1000, split.y + 60, { steps: 4 });
await page.mouse.up();
// Show the nodes and the network together.
await page.evaluate(() => {
  const scroll = document.querySelector('.cv-scroll');
  scroll.scrollTop = document.querySelector('.nodes').offsetTop - 10;
});
await page.waitForTimeout(2500);
for (let i = 0; i < 100; i++) {
  if ((await page.$$eval('.fx .dot', (e) => e.length)) > 1) break;
  await page.waitForTimeout(50);
}
await page.mouse.move(1430, 890);
await page.screenshot({ path: join(ROOT, 'docs', 'screenshot.png') });
if (problems.length) console.error(problems);
await close();
await browser.close();
