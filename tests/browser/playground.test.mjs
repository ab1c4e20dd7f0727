// The playground in real Chromium: layout, editor, diagnostics, time
// controls, themes, console, inspector and traffic.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchChromium, openApp, screenshot, clockMs } from './harness.mjs';

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Replaces the active editor tab's text, as typing would. */
async function setEditorText(page, text) {
  await page.fill('textarea.code-input', text);
}

test('layout at 1280×720: editor, cluster view and bottom panel side by side, nothing overflows', async () => {
  const { page, problems, close } = await openApp(browser, { viewport: { width: 1280, height: 720 } });
  try {
    const box = async (sel) => (await page.locator(sel).boundingBox()) ?? assert.fail(`${sel} is not visible`);
    const editor = await box('section.editor');
    const cluster = await box('section.cluster');
    const panel = await box('section.panel-bottom');
    const top = await box('header.topbar');
    assert.ok(editor.width >= 300, `editor is ${editor.width}px wide`);
    assert.ok(editor.x + editor.width <= cluster.x, 'the cluster view is right of the editor');
    assert.ok(cluster.y + cluster.height <= panel.y, 'the bottom panel is below the cluster view');
    assert.ok(top.height <= 60, `the top bar is ${top.height}px tall`);
    assert.ok(panel.y + panel.height <= 720 + 1, 'the panel ends inside the viewport');
    const overflow = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    assert.deepEqual(overflow, [1280, 720], 'the page itself does not scroll');
    const tabs = await page.$$eval('.ptab', (els) => els.map((e) => e.textContent.replace(/\d+$/, '').trim()));
    assert.deepEqual(tabs, ['Console', 'Events', 'Inspector', 'Traffic']);
    const components = await page.$$eval('[data-cp]', (els) => els.map((e) => e.dataset.cp));
    assert.deepEqual(components, ['apiserver', 'etcd', 'scheduler', 'controller-manager']);
    await screenshot(page, 'layout-1280x720');
    // The splits resize the panes: drag the editor's edge 100 px right and
    // the bottom panel's edge 80 px up; arrow keys nudge them too.
    const v = await box('.split.v');
    await page.mouse.move(v.x + v.width / 2, 300);
    await page.mouse.down();
    await page.mouse.move(v.x + v.width / 2 + 100, 300, { steps: 5 });
    await page.mouse.up();
    const wider = await box('section.editor');
    assert.ok(Math.abs(wider.width - (editor.width + 100)) <= 4, `editor ${editor.width} → ${wider.width}`);
    const h = await box('.split.h');
    await page.mouse.move(900, h.y + h.height / 2);
    await page.mouse.down();
    await page.mouse.move(900, h.y + h.height / 2 - 80, { steps: 5 });
    await page.mouse.up();
    const taller = await box('section.panel-bottom');
    assert.ok(Math.abs(taller.height - (panel.height + 80)) <= 4, `panel ${panel.height} → ${taller.height}`);
    await page.focus('.split.v');
    await page.keyboard.press('ArrowLeft');
    assert.ok(Math.abs((await box('section.editor')).width - (wider.width - 24)) <= 2, 'ArrowLeft narrows the editor');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('layout at 768 px wide: panes stack and stay usable', async () => {
  const { page, problems, close } = await openApp(browser, { viewport: { width: 768, height: 1024 } });
  try {
    const editor = await page.locator('section.editor').boundingBox();
    const cluster = await page.locator('section.cluster').boundingBox();
    const panel = await page.locator('section.panel-bottom').boundingBox();
    assert.ok(editor.width >= 760 && cluster.width >= 760 && panel.width >= 760, 'each pane takes the full width');
    assert.ok(editor.y + editor.height <= cluster.y && cluster.y + cluster.height <= panel.y, 'stacked top to bottom');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.equal(width, 768, 'no horizontal scrolling');
    // Everything is reachable: apply works and the console takes input.
    await page.click('button.apply');
    await page.waitForSelector('.results .res.done');
    await page.fill('input.console-input', 'kubectl apply -f deployment.yaml');
    await page.press('input.console-input', 'Enter');
    await page.waitForSelector('.scrollback .out.stdout');
    await screenshot(page, 'layout-768');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('applying the seed Deployment reports kubectl\'s line and shows the workload', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    assert.equal(await page.textContent('.tab.active .tab-name'), 'deployment.yaml');
    await page.click('button.apply');
    const line = page.locator('.results .res.done pre');
    await line.waitFor();
    assert.equal(await line.textContent(), 'deployment.apps/snacker-deployment created');
    await page.waitForSelector('.workloads .wl-name');
    assert.equal(await page.textContent('.workloads .wl-name'), 'snacker-deployment');
    assert.equal(await page.textContent('.workloads .wl-ready'), '0/1');
    // Applying again changes nothing, and says so; Ctrl+Enter applies too.
    await page.focus('textarea.code-input');
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction(() => document.querySelector('.results .res.done pre')?.textContent.endsWith('unchanged'));
    await screenshot(page, 'apply-seed-deployment');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a pod that fits nowhere waits in the scheduling queue, with the scheduler\'s reasons beside it', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    await setEditorText(page, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: lonely\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n      resources:\n        requests:\n          cpu: "100"\n');
    await page.click('button.apply');
    await page.waitForSelector('.results .res.done');
    assert.equal(await page.textContent('.results .res.done pre'), 'pod/lonely created');
    const pod = page.locator('.queue .pod[data-obj="Pod/default/lonely"]');
    await pod.waitFor();
    assert.match(await pod.getAttribute('class'), /\bst-queued\b/);
    assert.match(await pod.getAttribute('title'), /^lonely\nPending {2}0\/1 {2}restarts 0\nnode <none>$/);
    // Where the pod waits: kube's FailedScheduling message and plain words.
    const why = page.locator('.queue-why');
    await why.waitFor();
    assert.match(
      await why.locator('.kube').textContent(),
      /^0\/4 nodes are available: 1 node\(s\) had untolerated taint\(s\), 3 Insufficient cpu\. /,
    );
    assert.match(await why.locator('.plain').textContent(), /1 node\(s\): the node has a taint.*3 node\(s\): not enough cpu left/);
    // Clicking it opens the Inspector on it, with its YAML as stored.
    await pod.click();
    await page.waitForSelector('.inspector .insp-name');
    assert.equal(await page.textContent('.inspector .insp-name'), 'lonely');
    assert.equal(await page.textContent('.inspector .status-pill'), 'Pending');
    await page.click('.subtab:has-text("YAML")');
    const yaml = await page.textContent('.insp-body pre.yaml');
    assert.match(yaml, /^apiVersion: v1\nkind: Pod\nmetadata:\n/);
    assert.match(yaml, /\n {2}name: lonely\n/);
    // Why is it Pending: every node with each filter plugin's verdict.
    await page.click('.subtab:has-text("Scheduling")');
    assert.match(await page.textContent('.insp-body dl'), /Node<none> \(Pending\)PodScheduledFalse \(Unschedulable\)/);
    const cell = (node, plugin) => page.textContent(`.sched-filters tr[data-row="${node}"] td[data-plugin="${plugin}"]`);
    assert.equal(await cell('control-plane', 'TaintToleration'), '✗ node(s) had untolerated taint(s)');
    assert.equal(await cell('control-plane', 'NodeResourcesFit'), '–');
    for (const node of ['node-1', 'node-2', 'node-3']) {
      assert.equal(await cell(node, 'TaintToleration'), '✓');
      assert.equal(await cell(node, 'NodeResourcesFit'), '✗ Insufficient cpu');
    }
    assert.equal(await page.$$eval('.sched-scores', (els) => els.length), 0, 'no node was scored');
    await screenshot(page, 'pending-insufficient-cpu');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a pod that tolerates no taint: the Pending explanation names TaintToleration on every node', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    const input = 'input.console-input';
    await page.fill(input, 'kubectl taint nodes node-1 node-2 node-3 dedicated=cache:NoSchedule');
    await page.press(input, 'Enter');
    await page.waitForSelector('.scrollback .out.stdout');
    assert.equal(await page.textContent('.scrollback .out.stdout'), 'node/node-1 tainted\nnode/node-2 tainted\nnode/node-3 tainted\n');
    await page.fill(input, 'kubectl run solo --image=nginx:1.27');
    await page.press(input, 'Enter');
    await page.locator('.queue .pod[data-obj="Pod/default/solo"]').click();
    await page.click('.subtab:has-text("Scheduling")');
    const cell = (node) => page.textContent(`.sched-filters tr[data-row="${node}"] td[data-plugin="TaintToleration"]`);
    for (const node of ['control-plane', 'node-1', 'node-2', 'node-3']) {
      assert.equal(await cell(node), '✗ node(s) had untolerated taint(s)', node);
    }
    assert.match(await page.textContent('.why .kube'), /^kube-scheduler says: 0\/4 nodes are available: 4 node\(s\) had untolerated taint\(s\)\./);
    assert.match(await page.textContent('.why .plain'), /4 node\(s\): the node has a taint \(a keep-out sign\) that the pod does not tolerate\./);
    // The taint shows on the node's card too.
    assert.match(await page.textContent('[data-node="node-2"] .chips'), /dedicated=cache:NoSchedule/);
    await screenshot(page, 'pending-taint');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a Job from the console runs to completion in its own workload group', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?speed=16' });
  try {
    const input = 'input.console-input';
    await page.fill(input, 'kubectl create job hello --image=busybox -- sh -c "echo hello from the job"');
    await page.press(input, 'Enter');
    await page.waitForSelector('.scrollback .out.stdout');
    assert.equal(await page.textContent('.scrollback .out.stdout'), 'job.batch/hello created\n');
    const group = page.locator('.workloads .wl:has(.wl-kind:text-is("job"))');
    await group.locator('.wl-head:has-text("Complete")').waitFor({ timeout: 30_000 });
    assert.equal(await group.locator('.wl-name').textContent(), 'hello');
    assert.equal(await group.locator('.wl-ready').textContent(), '1/1');
    // Its pod is drawn under the Job, not among pods without a controller.
    assert.equal(await group.locator('.pod').count(), 1);
    assert.equal(await page.locator('.workloads .wl:has-text("without a controller")').count(), 0);
    await page.fill(input, 'kubectl logs job/hello');
    await page.press(input, 'Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('.scrollback .out.stdout')].some((e) => e.textContent === 'hello from the job\n'));
    await screenshot(page, 'job-complete');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('kubectl exec and run -it --rm reach a Service from a pod through the console', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?speed=16' });
  try {
    const input = 'input.console-input';
    const run = async (line) => {
      const before = await page.locator('.scrollback .entry').count();
      await page.fill(input, line);
      await page.press(input, 'Enter');
      await page.waitForFunction((n) => document.querySelectorAll('.scrollback .entry').length > n, before);
    };
    const stdoutHas = (text) => page.waitForFunction(
      (t) => [...document.querySelectorAll('.scrollback .out.stdout')].some((e) => e.textContent.includes(t)), text);
    await run('kubectl create deployment web --image=nginx');
    await run('kubectl expose deployment web --port=80');
    await run('kubectl run box --image=busybox:1.36 -- sleep 3600');
    // Wait until the pod runs, then exec into it.
    for (let i = 0; i < 60; i++) {
      await run('kubectl get pod box --no-headers');
      const last = await page.locator('.scrollback .out.stdout').last().textContent();
      if (last.includes('Running')) break;
      await page.waitForTimeout(500);
    }
    await run('kubectl exec box -- wget -qO- http://web');
    await stdoutHas('<h1>Welcome to nginx!</h1>');
    await run('kubectl exec box -- cat /etc/resolv.conf');
    await stdoutHas('search default.svc.cluster.local svc.cluster.local cluster.local');
    await run('kubectl run -it --rm --restart=Never dns --image=busybox:1.28 -- nslookup web');
    await stdoutHas('Address 1: ');
    await stdoutHas('pod "dns" deleted from default namespace');
    await run('kubectl exec box -- sh -c "exit 3"');
    await page.waitForFunction(() => [...document.querySelectorAll('.scrollback .out.stderr')]
      .some((e) => e.textContent.includes('command terminated with exit code 3')));
    // An interactive shell: the console's prompt becomes the shell's, and
    // the lines typed go to it (its working directory carries) until exit.
    const prompt = () => page.textContent('.prompt-line .prompt');
    await run('kubectl exec -it box -- sh');
    assert.equal(await prompt(), '/ #');
    await run('cd /tmp');
    assert.equal(await prompt(), '/tmp #');
    await run('wget -qO- web | head -4');
    await stdoutHas('<title>Welcome to nginx!</title>');
    assert.equal(await page.locator('.scrollback .entry .cmd .prompt').last().textContent(), '/tmp #');
    await run('kubectl get pods');
    await page.waitForFunction(() => [...document.querySelectorAll('.scrollback .out.stdout')]
      .some((e) => e.textContent === 'sh: kubectl: not found\n'));
    await run('exit');
    assert.equal(await prompt(), '$');
    await screenshot(page, 'exec');
    // A NetworkPolicy from the editor: web takes connections only from
    // pods labelled access=true, so box's wget times out.
    await setEditorText(page, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: access-web\nspec:\n  podSelector:\n    matchLabels:\n      app: web\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels:\n          access: "true"\n');
    await page.click('button.apply');
    await page.waitForFunction(() => document.querySelector('.results .res.done pre')?.textContent === 'networkpolicy.networking.k8s.io/access-web created');
    await run('kubectl exec box -- wget --spider -T 1 web');
    await stdoutHas('wget: download timed out');
    await run('kubectl label pod box access=true');
    await run('kubectl exec box -- wget --spider -T 1 web');
    await stdoutHas('remote file exists');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the StatefulSet example starts web-0, web-1, web-2 in order, grouped under the StatefulSet', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?example=statefulset&apply=1&speed=16' });
  try {
    const group = page.locator('.workloads .wl:has(.wl-kind:text-is("sts"))');
    await group.locator('.wl-ready:text-is("3/3")').waitFor({ timeout: 30_000 });
    assert.equal(await group.locator('.wl-name').textContent(), 'web');
    const pods = await group.locator('.pod').evaluateAll((els) => els.map((e) => e.getAttribute('data-obj')));
    assert.deepEqual(pods.map((p) => p.match(/web-\d/)[0]), ['web-0', 'web-1', 'web-2']);
    const input = 'input.console-input';
    await page.fill(input, 'kubectl get events --field-selector involvedObject.kind=StatefulSet -o custom-columns=MSG:.message');
    await page.press(input, 'Enter');
    await page.waitForSelector('.scrollback .out.stdout');
    assert.equal(await page.textContent('.scrollback .out.stdout'),
      'MSG\ncreate Pod web-0 in StatefulSet web successful\ncreate Pod web-1 in StatefulSet web successful\ncreate Pod web-2 in StatefulSet web successful\n');
    await screenshot(page, 'statefulset');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the HPA example scales php-apache up under the traffic generator\'s load', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?example=hpa&apply=1&speed=64' });
  try {
    const group = page.locator('.workloads .wl:has(.wl-name:text-is("php-apache"))');
    await group.locator('.wl-ready:text-is("1/1")').waitFor({ timeout: 30_000 });
    await page.click('.ptab:has-text("Traffic")');
    await page.fill('.traffic input.url', 'http://php-apache.default.svc.cluster.local');
    await page.fill('.traffic input.rate', '30');
    await page.click('button.generator');
    // 30 requests a second at 20 ms each: 600m against 200m requested.
    await page.waitForFunction(() => {
      const ready = document.querySelector('.workloads .wl .wl-ready');
      return [...document.querySelectorAll('.workloads .wl')].some((w) =>
        w.querySelector('.wl-name')?.textContent === 'php-apache' && Number(w.querySelector('.wl-ready')?.textContent.split('/')[1]) >= 3) && ready;
    }, null, { timeout: 60_000 });
    // The group shows its autoscaler as `kubectl get hpa` does.
    assert.match(await group.locator('.wl-hpa').textContent(), /^hpa cpu: (\d+|<unknown>)%?\/50% · 1–10$/);
    await page.click('button.generator');
    await page.click('.ptab:has-text("Console")');
    const input = 'input.console-input';
    await page.fill(input, 'kubectl get events --field-selector reason=SuccessfulRescale -o custom-columns=MSG:.message');
    await page.press(input, 'Enter');
    await page.waitForSelector('.scrollback .out.stdout');
    assert.match(await page.textContent('.scrollback .out.stdout'),
      /^MSG\nNew size: \d+; reason: cpu resource utilization \(percentage of request\) above target\n/);
    await screenshot(page, 'hpa');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('an unknown kind is marked on its line, with kubectl\'s error listed', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    await setEditorText(page, 'apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: web\n');
    // The live check (a server dry run on a copy) marks it while typing…
    await page.waitForSelector('.gutter .ln.err[data-line="2"]');
    // …and Apply lists kubectl's error.
    await page.click('button.apply');
    await page.waitForSelector('.results .res.err');
    assert.equal(
      await page.textContent('.results .res.err pre'),
      'error: resource mapping not found for name: "web" namespace: "" from "deployment.yaml": no matches for kind "Deploymnet" in version "apps/v1"\nensure CRDs are installed first',
    );
    assert.deepEqual(await page.$$eval('.gutter .ln.err', (els) => els.map((e) => e.dataset.line)), ['2']);
    assert.equal(await page.textContent('.code-hl .lint.err'), 'no matches for kind "Deploymnet" in version "apps/v1"');
    assert.equal(await page.textContent('.ed-status .count.err'), '1 error');
    assert.equal(await page.$$eval('.tab .tab-dot', (els) => els.length), 1, 'the tab shows it has errors');
    await screenshot(page, 'diagnostic-unknown-kind');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a YAML syntax error is marked on its line', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    await setEditorText(page, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  key: [unclosed\n');
    await page.click('button.apply');
    await page.waitForSelector('.results .res.err');
    const error = await page.textContent('.results .res.err pre');
    assert.match(error, /^error: error parsing deployment\.yaml: error converting YAML to JSON: yaml: line \d+: /);
    const lines = await page.$$eval('.gutter .ln.err', (els) => els.map((e) => Number(e.dataset.line)));
    assert.equal(lines.length, 1);
    assert.ok(lines[0] >= 6, `marked at line ${lines[0]}`);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('Diff runs kubectl diff on the file in the console and shows what Apply would change', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    await page.click('button.apply');
    await page.waitForSelector('.results .res');
    // From another tab: Diff brings the console back.
    await page.click('.ptab[data-tab="events"]');
    const text = await page.inputValue('textarea.code-input');
    assert.match(text, /replicas: 1\n/);
    await setEditorText(page, text.replace('replicas: 1', 'replicas: 3'));
    await page.click('button.diff');
    await page.waitForSelector('.ptab.on[data-tab="console"]');
    const entry = page.locator('.scrollback .entry').last();
    assert.equal(await entry.locator('.cmd').textContent(), '$ kubectl diff -f deployment.yaml');
    const out = await entry.locator('.out.stdout').textContent();
    assert.match(out, /^diff -u -N \/tmp\/LIVE-\d+\/apps\.v1\.Deployment\.default\.(\S+) \/tmp\/MERGED-\d+\/apps\.v1\.Deployment\.default\.\1\n--- \/tmp\/LIVE-/);
    assert.match(out, /\n-  replicas: 1\n\+  replicas: 3\n/);
    assert.match(out, /\n-  generation: 1\n\+  generation: 2\n/);
    // With the console already showing, Diff again adds an entry there.
    const entries = await page.locator('.scrollback .entry').count();
    await page.click('button.diff');
    await page.waitForFunction((n) => document.querySelectorAll('.scrollback .entry').length > n, entries);
    // Nothing was applied.
    await page.fill('input.console-input', 'kubectl get deployments -o jsonpath={.items[0].spec.replicas}');
    await page.press('input.console-input', 'Enter');
    await page.waitForFunction((n) => document.querySelectorAll('.scrollback .entry').length > n, entries + 1);
    assert.equal(await page.locator('.scrollback .entry').last().locator('.out.stdout').textContent(), '1');
    await screenshot(page, 'editor-diff');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a misspelt field (replica: 3) fails strict decoding, marked on its line', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    const text = (await page.inputValue('textarea.code-input')).replace('replicas: 1', 'replica: 3');
    await setEditorText(page, text);
    // The live check marks it as it is typed…
    await page.waitForSelector('.gutter .ln.err[data-line="7"]');
    await page.click('button.apply');
    await page.waitForSelector('.results .res.err');
    assert.equal(
      await page.textContent('.results .res.err pre'),
      'Error from server (BadRequest): error when creating "deployment.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"',
    );
    assert.deepEqual(await page.$$eval('.gutter .ln.err', (els) => els.map((e) => e.dataset.line)), ['7']);
    assert.match(await page.textContent('.code-hl .lint.err'), /unknown field "spec.replica"/);
    await screenshot(page, 'diagnostic-replica-typo');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('warnings are listed apart from errors: the legacy Ingress', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    // The menu closes on Escape and on a click outside it.
    await page.click('button.examples');
    await page.keyboard.press('Escape');
    assert.equal(await page.$$eval('.menu', (els) => els.length), 0, 'Escape closes it');
    await page.click('button.examples');
    await page.click('.menu-backdrop', { position: { x: 5, y: 700 } });
    assert.equal(await page.$$eval('.menu', (els) => els.length), 0, 'a click outside closes it');
    await page.click('button.examples');
    const titles = await page.$$eval('.menu-title', (els) => els.map((e) => e.textContent));
    assert.deepEqual(titles, [
      'Seed: the whole snacker app', 'Seed: Deployment', 'Seed: pull Secret', 'Seed: Service',
      'Seed: Ingress (extensions/v1beta1)', 'nginx Deployment', 'Crash-looping app', 'Node affinity and taints', 'Rolling update',
      'StatefulSet: ordered pods', 'Autoscaling: php-apache', 'Job: compute π', 'Quota and LimitRange', 'RBAC: a read-only account', 'CronJob: every minute',
      'Guestbook: PHP and Redis',
    ]);
    // The list scrolls inside the window rather than running off it.
    const [bottom, height] = await page.$eval('.menu', (e) => [e.getBoundingClientRect().bottom, window.innerHeight]);
    assert.ok(bottom <= height, `menu ends at ${bottom} of ${height}`);
    await page.click('.menu-item:has-text("Seed: the whole snacker app")');
    assert.equal(await page.textContent('.tab.active .tab-name'), 'snacker.yaml');
    await page.click('button.apply');
    await page.waitForFunction(() => document.querySelectorAll('.results .res').length === 5);
    const lines = await page.$$eval('.results .res', (els) => els.map((e) => [e.className.replace('res ', ''), e.textContent]));
    assert.deepEqual(lines, [
      ['done', 'secret/lambdaclass-registry created'],
      ['done', 'deployment.apps/snacker-deployment created'],
      ['done', 'service/snackerbis-service created'],
      ['warn', 'Warning: extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress'],
      ['done', 'ingress.networking.k8s.io/snackerbis-ingress created'],
    ]);
    assert.equal(await page.$$eval('.gutter .ln.warn', (els) => els.length), 1);
    assert.equal(await page.$$eval('.gutter .ln.err', (els) => els.length), 0);
    // The network view draws the route: host/path → service.
    await page.waitForSelector('.network .route');
    assert.equal(await page.textContent('.network .route'), 'ingkube.lambdaclass.com/snackerbis');
    assert.equal(await page.textContent('.network .net-svc b'), 'snackerbis-service');
    await screenshot(page, 'seed-app');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the editor indents with Tab and Shift-Tab and keeps indentation on Enter', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    await page.click('button.tab-add');
    assert.equal(await page.textContent('.tab.active .tab-name'), 'untitled.yaml');
    await page.focus('textarea.code-input');
    await page.keyboard.type('spec:');
    await page.keyboard.press('Enter');
    await page.keyboard.type('containers:');
    await page.keyboard.press('Enter');
    await page.keyboard.type('- name: web');
    await page.keyboard.press('Enter');
    await page.keyboard.type('image: nginx');
    assert.equal(await page.inputValue('textarea.code-input'), 'spec:\n  containers:\n    - name: web\n      image: nginx');
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Tab');
    assert.equal(await page.inputValue('textarea.code-input'), '  spec:\n    containers:\n      - name: web\n        image: nginx');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.inputValue('textarea.code-input'), 'spec:\ncontainers:\n  - name: web\n    image: nginx');
    // Undo restores what the keys changed (the browser's own history).
    await page.keyboard.press('Control+z');
    assert.equal(await page.inputValue('textarea.code-input'), '  spec:\n    containers:\n      - name: web\n        image: nginx'.replace(/^ {2}/gm, ''));
    // Tabs rename on double-click and close.
    await page.dblclick('.tab.active .tab-name');
    await page.fill('.tab-rename', 'web.yaml');
    await page.press('.tab-rename', 'Enter');
    assert.deepEqual(await page.$$eval('.tab-name', (els) => els.map((e) => e.textContent)), ['deployment.yaml', 'web.yaml']);
    await page.click('.tab.active .tab-close');
    assert.deepEqual(await page.$$eval('.tab-name', (els) => els.map((e) => e.textContent)), ['deployment.yaml']);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('time controls: pause holds the clock, step and speed move it', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    // The cluster is handed over a minute after kubeadm init; the clock runs on from there.
    const start = await clockMs(page);
    assert.ok(start >= 60_000, `the clock starts after the boot, at ${start} ms`);
    await page.waitForFunction((t) => {
      const m = /(\d+):(\d\d):(\d\d)\.(\d)/.exec(document.querySelector('output.clock').textContent);
      return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4] * 100 > t;
    }, start);
    await page.click('button.play[aria-label="Pause"]');
    const paused = await clockMs(page);
    await page.waitForTimeout(400);
    assert.equal(await clockMs(page), paused, 'paused: the clock holds');
    await page.click('button.step');
    await page.waitForFunction((t) => {
      const m = /(\d+):(\d\d):(\d\d)\.(\d)/.exec(document.querySelector('output.clock').textContent);
      return ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * 1000 + +m[4] * 100 > t;
    }, paused);
    const stepped = await clockMs(page);
    assert.ok(stepped > paused && stepped - paused <= 60_000, `a step moved ${stepped - paused} ms`);
    await page.selectOption('select.speed', { label: '64×' });
    await page.click('button.play[aria-label="Play"]');
    await page.waitForTimeout(1000);
    const fast = await clockMs(page);
    assert.ok(fast - stepped >= 20_000, `64× moved only ${fast - stepped} ms in a second`);
    // Reset (paused) starts a fresh cluster, just booted, with the seed typed,
    // even while the clock keeps re-rendering the top bar.
    await page.click('button.play[aria-label="Pause"]');
    await page.fill('input.seed-input', '42');
    await page.waitForTimeout(100);
    assert.equal(await page.inputValue('input.seed-input'), '42', 'typing is not overwritten');
    await page.click('button.reset');
    await page.waitForFunction(() => document.querySelector('output.clock').textContent === '00:01:00.0');
    assert.equal(await page.inputValue('input.seed-input'), '42');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the theme follows prefers-color-scheme, and the switch overrides it', async () => {
  const background = (page) => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const dark = await openApp(browser, { colorScheme: 'dark' });
  const light = await openApp(browser, { colorScheme: 'light' });
  try {
    assert.equal(await background(dark.page), 'rgb(13, 17, 23)');
    assert.equal(await background(light.page), 'rgb(244, 246, 249)');
    await screenshot(dark.page, 'theme-dark');
    await light.page.click('button.theme');
    assert.equal(await light.page.getAttribute('html', 'data-theme'), 'dark');
    assert.equal(await background(light.page), 'rgb(13, 17, 23)');
    assert.deepEqual(dark.problems, []);
    assert.deepEqual(light.problems, []);
  } finally {
    await dark.close();
    await light.close();
  }
});

test('the console runs kubectl with the editor\'s files, history and completion', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    const input = 'input.console-input';
    await page.fill(input, 'kubectl apply -f deployment.yaml');
    await page.press(input, 'Enter');
    await page.waitForSelector('.scrollback .out.stdout');
    assert.equal(await page.textContent('.scrollback .entry .cmd'), '$ kubectl apply -f deployment.yaml');
    assert.equal(await page.textContent('.scrollback .out.stdout'), 'deployment.apps/snacker-deployment created\n');
    await page.press(input, 'ArrowUp');
    assert.equal(await page.inputValue(input), 'kubectl apply -f deployment.yaml');
    await page.fill(input, 'kubectl desc');
    await page.press(input, 'Tab');
    assert.equal(await page.inputValue(input), 'kubectl describe ');
    await page.locator(input).pressSequentially('deploy sn');
    await page.press(input, 'Tab');
    assert.equal(await page.inputValue(input), 'kubectl describe deploy snacker-deployment ');
    await page.fill(input, 'kubectl cordon node-');
    await page.press(input, 'Tab');
    assert.deepEqual(await page.$$eval('.candidates span', (els) => els.map((e) => e.textContent)), ['node-1', 'node-2', 'node-3']);
    // explain's field documentation is fetched (dist/explain.txt) once the page is up.
    await page.fill(input, 'kubectl explain deployment.spec.replicas');
    await page.press(input, 'Enter');
    await page.waitForFunction(() => [...document.querySelectorAll('.scrollback .entry')].pop()?.textContent.includes('DESCRIPTION:'));
    const explained = await page.$$eval('.scrollback .entry', (els) => els.pop().querySelector('.out.stdout').textContent);
    assert.match(explained, /^GROUP: {6}apps\nKIND: {7}Deployment\nVERSION: {4}v1\n\nFIELD: replicas <integer>\n/);
    assert.match(explained, /Number of desired pods\. This is a pointer to distinguish between explicit\n/);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('clicking a node opens it in the Inspector; Events list what happened', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    // kubeadm's add-ons: counted on their nodes, drawn only when asked for.
    await page.waitForSelector('[data-node="node-1"] .sys-pods');
    assert.equal(await page.$$eval('.nodes .pod[data-obj^="Pod/kube-system/"]', (els) => els.length), 0);
    await page.click('button.sys-toggle');
    await page.waitForSelector('.nodes .pod[data-obj^="Pod/kube-system/kube-proxy-"]');
    assert.equal(await page.$$eval('.nodes .pod[data-obj^="Pod/kube-system/kube-proxy-"]', (els) => els.length), 3, 'one kube-proxy per worker');
    assert.equal(await page.$$eval('[data-node="node-1"] .sys-pods', (els) => els.length), 0);
    await page.click('button.sys-toggle');
    await page.waitForFunction(() => !document.querySelector('.nodes .pod[data-obj^="Pod/kube-system/"]'));
    await page.click('[data-node="node-2"] .node-head');
    await page.waitForSelector('.inspector .insp-name');
    assert.equal(await page.textContent('.inspector .insp-name'), 'node-2');
    assert.equal(await page.textContent('.ptab.on'), 'Inspectornode-2');
    await page.click('.subtab:has-text("YAML")');
    assert.match(await page.textContent('.insp-body pre.yaml'), /\nkind: Node\n/);
    await page.click('.ptab:has-text("Events")');
    await page.waitForSelector('.events');
    // As `kubectl get events -A`: a node's events live in default, the add-ons' in kube-system.
    assert.deepEqual(await page.$$eval('.events thead th', (els) => els.map((e) => e.textContent)),
      ['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    const rows = await page.$$eval('.events tbody tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.ok(rows.some((r) => r[0] === 'default' && r[4] === 'node/node-2' && r[3] === 'NodeReady'), JSON.stringify(rows.slice(0, 5)));
    assert.ok(rows.some((r) => r[0] === 'kube-system' && r[4].startsWith('pod/coredns-') && r[3] === 'Scheduled'));
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the Traffic tab sends a request through the engine\'s network and counts it', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    await page.click('.ptab:has-text("Traffic")');
    assert.equal(await page.inputValue('.traffic input.url'), 'http://kube.lambdaclass.com/snackerbis');
    await page.click('button.send');
    await page.waitForSelector('.tlog li');
    assert.equal(await page.textContent('.traffic-stats .stat b'), '1');
    await page.fill('.traffic input.rate', '20');
    await page.click('button.generator');
    await page.waitForFunction(() => Number(document.querySelector('.traffic-stats .stat b').textContent) >= 5);
    await page.click('button.generator');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the Inspector scales and deletes a Deployment with kubectl\'s words', async () => {
  const { page, problems, close } = await openApp(browser);
  try {
    await page.click('button.apply');
    await page.click('.workloads .wl-head');
    await page.waitForSelector('.inspector .insp-name');
    assert.equal(await page.textContent('.inspector .kind-badge'), 'Deployment');
    await page.click('button[aria-label="Scale up"]');
    assert.equal(await page.textContent('.insp-msg'), 'deployment.apps/snacker-deployment scaled');
    await page.waitForFunction(() => document.querySelector('.workloads .wl-ready')?.textContent === '0/2');
    await page.click('.insp-head button.danger');
    assert.equal(await page.textContent('.insp-msg'), 'deployment.apps "snacker-deployment" deleted from default namespace');
    await page.waitForSelector('.workloads .empty');
    await page.waitForFunction(() => document.querySelector('.inspector')?.textContent.includes('no longer exists'));
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
