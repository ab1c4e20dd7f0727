// Keep, share, export and embed: the workspace survives a reload, a shared
// link reproduces the cluster in a fresh browser, bad or oversized links
// and corrupt localStorage are refused without breaking the page, exports
// replay with the CLI, and the embed talks to its host page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { ROOT, launchChromium, openApp, serveDist, screenshot } from './harness.mjs';

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

const watch = (page, problems) => {
  page.on('console', (msg) => msg.type() === 'error' && problems.push(`console error: ${msg.text()}`));
  page.on('pageerror', (err) => problems.push(`uncaught: ${err.message}`));
};

async function run(page, line) {
  await page.click('.ptab[data-tab="console"]');
  const before = await page.$$eval('.scrollback .entry', (els) => els.length);
  await page.fill('input.console-input', line);
  await page.press('input.console-input', 'Enter');
  await page.waitForFunction((n) => document.querySelectorAll('.scrollback .entry').length > n, before);
  return page.$eval('.scrollback .entry:last-child', (e) => [...e.querySelectorAll('.out')].map((o) => o.textContent).join(''));
}

/** Applies the whole seed app and waits until two replicas are ready. */
async function seedApp(page) {
  await page.click('button.examples');
  await page.click('.menu-item:has-text("Seed: the whole snacker app")');
  await page.click('button.apply');
  await page.waitForSelector('.results .res.done');
  assert.equal(await run(page, 'kubectl scale deployment snacker-deployment --replicas=2'), 'deployment.apps/snacker-deployment scaled\n');
  await page.waitForFunction(() => document.querySelector('.workloads .wl-ready')?.textContent === '2/2', null, { timeout: 30_000 });
  await page.click('.ptab[data-tab="traffic"]');
  await page.click('button.send');
  await page.waitForSelector('.tlog li');
}

test('a shared link opens the same cluster at the same simulated time in a fresh browser', async () => {
  const a = await openApp(browser, { query: '?speed=16' });
  try {
    await seedApp(a.page);
    await a.page.click('button.play[aria-label="Pause"]');
    const clock = await a.page.textContent('output.clock');
    const pods = await run(a.page, 'kubectl get pods -o wide');
    const events = await run(a.page, 'kubectl get events');
    await a.page.click('button.share');
    await a.page.waitForSelector('.share-url');
    const link = await a.page.inputValue('.share-url');
    assert.ok(link.startsWith(`${a.server.url}#w=`), link);
    const snippet = await a.page.inputValue('.embed-snippet');
    assert.match(snippet, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed&view=cluster#w=[A-Za-z0-9_-]+" width="800" height="500" style="border:0" title="Kubeplay: a Kubernetes cluster in your browser"><\/iframe>$/);
    await screenshot(a.page, 'share-panel');

    // A fresh browser context: no localStorage, only the link.
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const problems = [];
    try {
      const page = await context.newPage();
      watch(page, problems);
      await page.goto(link);
      await page.waitForSelector('main.app[data-origin="shared"]', { timeout: 30_000 });
      assert.equal(await page.textContent('output.clock'), clock, 'the same simulated time, paused');
      assert.equal(await page.getAttribute('button.play', 'aria-label'), 'Play');
      assert.equal(await run(page, 'kubectl get pods -o wide'), pods);
      assert.equal(await run(page, 'kubectl get events'), events);
      assert.deepEqual(await page.$$eval('.tab-name', (els) => els.map((e) => e.textContent)), ['deployment.yaml', 'snacker.yaml']);
      assert.equal(await page.evaluate(() => location.hash), '', 'the link is kept in localStorage from now on');
      await screenshot(page, 'share-opened');
      // The embed snippet shows the same workspace in an iframe.
      await page.setContent(`<!doctype html><body style="margin:0">${snippet}</body>`);
      const frame = page.frameLocator('iframe');
      await frame.locator('main.app.embed[data-origin="shared"]').waitFor({ timeout: 30_000 });
      assert.equal(await frame.locator('.ptab.on').textContent(), 'Cluster');
      assert.equal(await frame.locator('output.clock').textContent(), clock);
      await frame.locator('.workloads .wl-ready:text-is("2/2")').waitFor();
      await screenshot(page, 'share-embedded');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
    assert.deepEqual(a.problems, []);
  } finally {
    await a.close();
  }
});

test('the workspace survives a reload: files, what was done, the cluster', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?speed=16' });
  try {
    await seedApp(page);
    await page.click('button.play[aria-label="Pause"]');
    const pods = await run(page, 'kubectl get pods');
    const clock = await page.textContent('output.clock');
    await page.waitForTimeout(1300); // saved once a second
    await page.goto(page.url().replace('?speed=16', '?paused=1'));
    await page.waitForSelector('main.app[data-origin="restored"]');
    assert.equal(await page.textContent('output.clock'), clock);
    assert.equal(await run(page, 'kubectl get pods'), pods);
    assert.deepEqual(await page.$$eval('.tab-name', (els) => els.map((e) => e.textContent)), ['deployment.yaml', 'snacker.yaml']);
    assert.equal(await page.$$eval('.notice', (els) => els.length), 0);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

const CORRUPT = [
  ['garbage', '\u0000\u0001not a workspace at all', 'it is not a Kubeplay workspace'],
  ['foreign JSON', '{"files":[{"name":"a.yaml"}],"seed":1}', 'it is not a Kubeplay workspace'],
  ['another version', 'kubeplay-workspace 9\nseed 1\n', 'it was written by another version of Kubeplay'],
  ['cut short', 'kubeplay-workspace 1\nseed 1\ntime 0\nactive 0\nfile a.yaml 500\nkind: Pod\n', 'a block is cut short'],
  ['a session that cannot replay', 'kubeplay-workspace 1\nseed 1\ntime 0\nactive 0\nfile a.yaml 0\n\nscript 11\nfrobnicate\n\n', 'its session stopped at line 1: unknown command "frobnicate"'],
];

for (const [name, value, why] of CORRUPT) {
  test(`a corrupt localStorage workspace (${name}) is reported, set aside, and never breaks the page`, async () => {
    const { page, problems, close } = await openApp(browser, {
      init: (v) => {
        if (!sessionStorage.getItem('planted')) {
          sessionStorage.setItem('planted', '1');
          localStorage.setItem('kubeplay.workspace', v);
        }
      },
      initArg: value,
    });
    try {
      const notice = await page.textContent('.notice span');
      assert.equal(
        notice,
        `Your saved workspace could not be restored: ${why}. A fresh playground started; the old data is kept in localStorage under kubeplay.workspace.broken.`,
      );
      assert.equal(await page.evaluate(() => localStorage.getItem('kubeplay.workspace.broken')), value);
      assert.equal(await page.textContent('.tab.active .tab-name'), 'deployment.yaml');
      await page.click('button.apply');
      await page.waitForSelector('.results .res.done');
      if (name === 'garbage') await screenshot(page, 'corrupt-storage-notice');
      await page.click('.notice button');
      assert.equal(await page.$$eval('.notice', (els) => els.length), 0);
      // The fresh workspace replaced it: a reload restores without complaint.
      await page.waitForTimeout(1300);
      await page.reload();
      await page.waitForSelector('main.app[data-origin="restored"]');
      assert.equal(await page.$$eval('.notice', (els) => els.length), 0);
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
}

test('bad, damaged and oversized links are refused with a message', async () => {
  const bomb = deflateRawSync(Buffer.alloc(3 << 20, 'a')).toString('base64url');
  const cases = [
    ['!!!', 'it is not a workspace link'],
    ['AAAA', 'it is damaged (the data does not decompress)'],
    ['A'.repeat(40_000), 'it is longer than 32 KiB'],
    [bomb, 'it is larger than 2 MiB'],
    [deflateRawSync(Buffer.from('{"seed": 1}')).toString('base64url'), 'it is not a Kubeplay workspace'],
  ];
  for (const [code, why] of cases) {
    const { page, problems, close } = await openApp(browser, { query: `#w=${code}` });
    try {
      await page.waitForSelector('.notice');
      assert.equal(await page.textContent('.notice span'), `This link's workspace could not be opened: ${why}.`);
      assert.equal(await page.getAttribute('main.app', 'data-origin'), 'fresh');
      // The page still works.
      assert.equal(await run(page, 'kubectl get nodes -o name'), 'node/control-plane\nnode/node-1\nnode/node-2\nnode/node-3\n');
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  }
});

test('too large a workspace to share says so; exports replay with the CLI', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?speed=16', acceptDownloads: true });
  try {
    await seedApp(page);
    await page.click('button.share');
    const [yaml] = await Promise.all([page.waitForEvent('download'), page.click('.export-yaml')]);
    assert.equal(yaml.suggestedFilename(), 'kubeplay-manifests.yaml');
    const manifests = await readFile(await yaml.path(), 'utf8');
    assert.deepEqual(
      manifests.split('\n').filter((l) => l.startsWith('kind: ')),
      ['kind: Secret', 'kind: Service', 'kind: Deployment', 'kind: Ingress'],
    );
    const [script] = await Promise.all([page.waitForEvent('download'), page.click('.export-script')]);
    const session = await readFile(await script.path(), 'utf8');
    assert.match(session, /^# Kubeplay session: kubeplay script kubeplay-session\.kps --seed 1\n(sleep \d+m?s\n)?kubectl apply -f - <<EOF\n/);
    assert.match(session, /\nkubectl scale deployment snacker-deployment --replicas=2\n/);
    assert.match(session, /\ncurl -s -o \/dev\/null http:\/\/kube\.lambdaclass\.com\/snackerbis\n/);
    await mkdir(join(ROOT, 'test-output'), { recursive: true });
    const file = join(ROOT, 'test-output', 'exported-session.kps');
    await writeFile(file, session);
    execFileSync('cargo', ['build', '-q', '-p', 'kubeplay'], { cwd: ROOT, stdio: 'inherit' });
    const out = execFileSync(join(ROOT, 'target', 'debug', 'kubeplay'), ['script', file, '--seed', '1'], { encoding: 'utf8' });
    assert.match(out, /\ndeployment\.apps\/snacker-deployment scaled\n/);
    await page.click('.share-panel ~ .menu-backdrop, .menu-backdrop');
    // A file that does not compress pushes the link past its limit.
    const noise = randomBytes(45_000).toString('base64');
    await page.click('button.tab-add');
    await page.fill('textarea.code-input', `# ${noise}\n`);
    await page.click('button.share');
    await page.waitForSelector('.share-error');
    assert.match(await page.textContent('.share-error'), /^This workspace is too large to share as a link: compressed, it takes \d+ KiB and a link holds at most 32 KiB\. Export the session script instead/);
    await screenshot(page, 'share-too-large');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('embedded in an iframe (800×500), the playground renders and tells its host what happens', async () => {
  for (const prefix of ['/', '/kubeplay/']) {
    const server = await serveDist(prefix);
    const context = await browser.newContext({ viewport: { width: 900, height: 900 } });
    const problems = [];
    try {
      const page = await context.newPage();
      watch(page, problems);
      await page.goto(`${server.url}embed-example.html?speed=16`);
      const types = () => page.evaluate(() => window.kubeplayMessages.map((m) => m.type));
      await page.waitForFunction(() => window.kubeplayMessages?.some((m) => m.type === 'ready'), null, { timeout: 30_000 });
      const ready = await page.evaluate(() => window.kubeplayMessages.find((m) => m.type === 'ready'));
      assert.deepEqual({ ...ready, time: 0 }, { source: 'kubeplay', type: 'ready', time: 0, seed: 1, example: 'seed-app' });
      const frame = page.frameLocator('#kubeplay');
      await frame.locator('main.app.embed').waitFor();
      // No chrome but the tab strip and time controls; opened on the editor.
      assert.equal(await frame.locator('header.topbar').count(), 0);
      assert.deepEqual(await frame.locator('.ptab').allTextContents(), ['Editor', 'Cluster', 'Console', 'Events', 'Inspector', 'Traffic']);
      assert.equal(await frame.locator('.ptab.on').textContent(), 'Editor');
      assert.equal(await frame.locator('.tab.active .tab-name').textContent(), 'snacker.yaml');
      const fits = await page.frames()[1].evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
      assert.deepEqual(fits, [800, 500], 'fits the 800×500 iframe');
      await frame.locator('button.apply').click();
      await page.waitForFunction(() => window.kubeplayMessages.some((m) => m.type === 'applied'));
      const applied = await page.evaluate(() => window.kubeplayMessages.find((m) => m.type === 'applied'));
      assert.equal(applied.file, 'snacker.yaml');
      assert.equal(applied.errors, 0);
      assert.match(applied.results, /^secret\/lambdaclass-registry created\ndeployment\.apps\/snacker-deployment created\n/);
      await page.waitForFunction(() => window.kubeplayMessages.some((m) => m.type === 'rollout-complete'), null, { timeout: 30_000 });
      const seen = await types();
      for (const t of ['pod-scheduled', 'pod-ready', 'rollout-complete']) assert.ok(seen.includes(t), `${t} in ${seen}`);
      assert.ok(seen.indexOf('pod-scheduled') < seen.indexOf('pod-ready'));
      const podReady = await page.evaluate(() => window.kubeplayMessages.find((m) => m.type === 'pod-ready'));
      assert.match(podReady.pod, /^default\/snacker-deployment-[a-z0-9]+-[a-z0-9]{5}$/);
      assert.match(podReady.node, /^node-\d$/);
      assert.match(await page.textContent('#progress'), /is Ready on node-\d\. Well done!/);
      await frame.locator('.ptab[data-tab="cluster"]').click();
      await frame.locator('.nodes .pod.st-ready').first().waitFor();
      await frame.locator('.ptab[data-tab="console"]').click();
      await frame.locator('input.console-input').fill('kubectl get deploy');
      await frame.locator('input.console-input').press('Enter');
      await page.waitForFunction(() => window.kubeplayMessages.some((m) => m.type === 'command' && m.command === 'kubectl get deploy' && m.exitCode === 0));
      if (prefix === '/') await screenshot(page, 'embed-host-page');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await server.close();
    }
  }
});
