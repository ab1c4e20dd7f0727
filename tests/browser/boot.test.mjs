// The built app boots in real Chromium, at the root and under a sub-path
// (as GitHub Pages serves a project site), and shows the default cluster.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launchChromium, newWatchedPage, screenshot } from './harness.mjs';

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

async function bootAt(prefix, shotName) {
  const server = await serveDist(prefix);
  const { context, page, problems } = await newWatchedPage(browser);
  try {
    await page.goto(server.url, { waitUntil: 'load' });
    // The app marks its root once the engine's cluster is rendered.
    await page.waitForSelector('main.app[data-ready="true"]', { timeout: 30_000 });
    const nodes = await page.$$eval('[data-node]', (els) => els.map((el) => el.dataset.node));
    assert.deepEqual(nodes, ['control-plane', 'node-1', 'node-2', 'node-3']);
    assert.equal(await page.title(), 'Kubeplay');
    await screenshot(page, shotName);
    assert.deepEqual(problems, [], 'no console errors or failed requests');
  } finally {
    await context.close();
    await server.close();
  }
}

test('the app boots at the root and shows the default cluster', async () => {
  await bootAt('/', 'boot-root');
});

test('the app boots under a sub-path, as on GitHub Pages', async () => {
  await bootAt('/kubeplay/', 'boot-subpath');
});
