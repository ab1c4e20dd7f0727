// Shared helpers for the browser tests: a static server for dist/ (at the
// root or under a sub-path, as GitHub Pages serves it) and a headless
// Chromium page that records every console error and failed request.
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DIST = join(ROOT, 'dist');
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** Serves DIST under `prefix` (which starts and ends with '/') on 127.0.0.1. */
export async function serveDist(prefix = '/') {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (!path.startsWith(prefix)) {
      res.writeHead(404).end('not found');
      return;
    }
    let rel = path.slice(prefix.length) || 'index.html';
    if (rel.endsWith('/')) rel += 'index.html';
    const file = normalize(join(DIST, rel));
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Launches Debian's Chromium headless, as the build machines allow it. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * Opens a fresh page that records console errors, uncaught exceptions,
 * failed requests and HTTP error responses into `problems`.
 */
export async function newWatchedPage(browser, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) =>
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`),
  );
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { context, page, problems };
}

/** Saves a full-page screenshot under test-output/screenshots/. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Serves dist/ at the root, opens the app in a fresh context (optionally
 * with a query string, viewport and colour scheme) and waits until it has
 * rendered. Returns what the test needs and a `close()`.
 */
export async function openApp(browser, { query = '', viewport = { width: 1280, height: 720 }, colorScheme, init, initArg, acceptDownloads } = {}) {
  const server = await serveDist('/');
  const context = await browser.newContext({ viewport, colorScheme, acceptDownloads });
  if (init) await context.addInitScript(init, initArg);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) =>
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`),
  );
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  await page.goto(server.url + query, { waitUntil: 'load' });
  await page.waitForSelector('main.app[data-ready="true"]', { timeout: 30_000 });
  return {
    page,
    problems,
    context,
    server,
    close: async () => {
      await context.close();
      await server.close();
    },
  };
}

/** Simulated milliseconds shown by the top bar's clock (`HH:MM:SS.t`). */
export async function clockMs(page) {
  const text = (await page.textContent('output.clock')).trim();
  const m = /^(\d+):(\d\d):(\d\d)\.(\d)$/.exec(text);
  if (!m) throw new Error(`unexpected clock text ${JSON.stringify(text)}`);
  return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4] * 100;
}
