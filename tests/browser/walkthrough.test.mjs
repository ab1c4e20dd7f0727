// The seed document's walkthrough through the UI alone, a console script
// compared byte for byte with the `kubeplay` binary, and a stopped node
// whose pods move after the eviction countdown. Screenshots of each step
// are saved under test-output/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, launchChromium, openApp, screenshot } from './harness.mjs';

let browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** Opens an example from the menu and applies it; returns kubectl's lines. */
async function applyExample(page, title) {
  await page.click('button.examples');
  await page.click(`.menu-item:has(.menu-title:text-is("${title}"))`);
  await page.click('button.apply');
  await page.waitForSelector('.results .res');
  return page.$$eval('.results .res', (els) => els.map((e) => e.textContent));
}

/** Runs a console line; returns what it printed (stdout and stderr). */
async function run(page, line) {
  await page.click('.ptab[data-tab="console"]');
  const before = await page.$$eval('.scrollback .entry', (els) => els.length);
  await page.fill('input.console-input', line);
  await page.press('input.console-input', 'Enter');
  await page.waitForFunction((n) => document.querySelectorAll('.scrollback .entry').length > n, before);
  return page.$eval('.scrollback .entry:last-child', (e) => [...e.querySelectorAll('.out')].map((o) => o.textContent).join(''));
}

const pods = (page, state) => page.$$eval(`.nodes .pod${state ? `.${state}` : ''}[data-obj^="Pod/default/snacker-deployment-"]`, (els) => els.length);

test('the seed walkthrough, through the UI alone', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?speed=16' });
  try {
    // 1. The seed Deployment: its pod cannot pull the private image yet.
    assert.deepEqual(await applyExample(page, 'Seed: Deployment'), ['deployment.apps/snacker-deployment created']);
    await page.waitForSelector('.nodes .pod.st-pull[data-obj^="Pod/default/snacker-deployment-"]', { timeout: 20_000 });
    const pod = page.locator('.nodes .pod.st-pull').first();
    assert.match(await pod.getAttribute('title'), /\n(ErrImagePull|ImagePullBackOff) {2}0\/1/);
    await pod.click();
    await page.click('.subtab:has-text("Events")');
    assert.match(await page.textContent('.insp-body'), /Failed to pull image "registry\.lambdaclass\.com\/snackerbis"/);
    await screenshot(page, 'walkthrough-1-image-pull-backoff');

    // 2. The pull Secret: the kubelet's next try succeeds and the pod runs.
    assert.deepEqual(await applyExample(page, 'Seed: pull Secret'), ['secret/lambdaclass-registry created']);
    await page.waitForFunction(() => document.querySelectorAll('.nodes .pod.st-ready[data-obj^="Pod/default/snacker-deployment-"]').length === 1, null, { timeout: 30_000 });
    await screenshot(page, 'walkthrough-2-running');

    // 3. Scale to 3 from the Inspector.
    await page.click('.workloads .wl-head');
    await page.click('button[aria-label="Scale up"]');
    assert.equal(await page.textContent('.insp-msg'), 'deployment.apps/snacker-deployment scaled');
    await page.click('button[aria-label="Scale up"]');
    await page.waitForFunction(() => document.querySelector('.workloads .wl-ready')?.textContent === '3/3', null, { timeout: 30_000 });
    assert.equal(await pods(page, 'st-ready'), 3);
    await screenshot(page, 'walkthrough-3-scaled');

    // 4. Service and the legacy Ingress.
    assert.deepEqual(await applyExample(page, 'Seed: Service'), ['service/snackerbis-service created']);
    assert.deepEqual(await applyExample(page, 'Seed: Ingress (extensions/v1beta1)'), [
      'Warning: extensions/v1beta1 Ingress is deprecated in v1.14+, unavailable in v1.22+; use networking.k8s.io/v1 Ingress',
      'ingress.networking.k8s.io/snackerbis-ingress created',
    ]);
    await page.waitForFunction(() => document.querySelectorAll('.network .ep:not(.notready)').length === 3);

    // 5. Traffic reaches the pods, and is shown: counts, spread, dots, hits.
    await page.click('.ptab[data-tab="traffic"]');
    await page.fill('.traffic input.rate', '20');
    await page.click('button.generator');
    let dots = 0;
    for (let i = 0; i < 60 && dots === 0; i++) {
      dots = await page.$$eval('.fx .dot', (els) => els.length);
      await page.waitForTimeout(50);
    }
    assert.ok(dots > 0, 'requests travel as dots');
    await page.waitForFunction(() => document.querySelectorAll('.dist-row').length === 3, null, { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll('.network .ep .hits').length === 3);
    const ok = await page.$eval('.traffic-stats .stat.ok span', (e) => e.textContent);
    assert.equal(ok, '200 OK');
    assert.equal(await page.$$eval('.traffic-stats .stat.fail, .traffic-stats .stat.client', (els) => els.length), 0, 'every request answered 200');
    await screenshot(page, 'walkthrough-5-traffic');
    await page.click('button.generator');

    // 6. A new image, then `rollout undo` from the console.
    assert.equal(
      await run(page, 'kubectl set image deployment/snacker-deployment snacker=registry.lambdaclass.com/snackerbis:v2'),
      'deployment.apps/snacker-deployment image updated\n',
    );
    await page.waitForFunction(() => [...document.querySelectorAll('.workloads .rs-rev')].some((e) => e.textContent === 'rev 2'));
    assert.equal(await run(page, 'kubectl rollout undo deployment/snacker-deployment'), 'deployment.apps/snacker-deployment rolled back\n');
    await page.click('.workloads .wl-head');
    await page.click('.subtab:has-text("Rollout")');
    await page.waitForFunction(() => document.querySelector('.rollout .state')?.textContent.startsWith('Rollout complete: revision 3'), null, { timeout: 30_000 });
    assert.match(await page.textContent('.rollout'), /maxSurge 25% → 1 pod\(s\), maxUnavailable 25% → 0 pod\(s\)/);
    assert.equal(
      await run(page, 'kubectl rollout history deployment/snacker-deployment'),
      'deployment.apps/snacker-deployment \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n',
    );
    await screenshot(page, 'walkthrough-6-rollout-undo');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

const SCRIPT = `# a pull Secret, a Deployment and its Service, a request, a stopped node, traffic
kubectl apply -f - <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: lambdaclass-registry
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6eyJyZWdpc3RyeS5sYW1iZGFjbGFzcy5jb20iOnsidXNlcm5hbWUiOiJzbmFja2VyIiwicGFzc3dvcmQiOiJub3QtYS1yZWFsLXBhc3N3b3JkIiwiYXV0aCI6ImMyNWhZMnRsY2pwdWIzUXRZUzF5WldGc0xYQmhjM04zYjNKayJ9fX0=
EOF
kubectl create deployment web --image=nginx:1.27 --replicas=3 --port=80
kubectl expose deployment web --port=80
sleep 45s
kubectl get pods -o wide
curl -s -i http://web.default.svc.cluster.local/
stop node node-1
sleep 6m
kubectl get nodes
kubectl get pods -o wide
kubectl describe deployment web
traffic start http://web.default.svc.cluster.local/ --rate 10
sleep 1500ms
traffic stop
kubectl get events --field-selector reason=NodeNotReady
`;

/** Runs a script file natively (`kubeplay script`) and in the page's
 * console with the same seed, and checks the page's transcript is
 * byte-identical to what a terminal shows of the native output (the
 * console, like a terminal, ends a line at CRLF: HTTP headers and nginx's
 * pages); `checks` are patterns the native transcript must show, so that
 * the script did what it says. */
async function scriptInBrowser(file, { seed, checks, shot }) {
  const script = await readFile(file, 'utf8');
  execFileSync('cargo', ['build', '-q', '-p', 'kubeplay'], { cwd: ROOT, stdio: 'inherit' });
  const expected = execFileSync(join(ROOT, 'target', 'debug', 'kubeplay'), ['script', file, '--seed', String(seed)], { encoding: 'utf8' }).replace(/\r\n/g, '\n');
  for (const check of checks) assert.match(expected, check, 'the script did what it says');
  const { page, problems, close } = await openApp(browser, { query: `?seed=${seed}&paused=1` });
  try {
    await page.click('button.open-script');
    await page.fill('textarea.script-input', script);
    await page.click('button.run-script');
    const got = await page.textContent('.scrollback .entry.script .transcript');
    assert.equal(got, expected);
    if (shot) await screenshot(page, shot);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
}

const golden = (name) => join(ROOT, 'crates', 'cli', 'tests', 'golden', `${name}.kps`);

test('the console runs a script with output byte-identical to `kubeplay script`', async () => {
  await mkdir(join(ROOT, 'test-output'), { recursive: true });
  const file = join(ROOT, 'test-output', 'console-equality.kps');
  await writeFile(file, SCRIPT);
  await scriptInBrowser(file, { seed: 5, checks: [/NotReady/], shot: 'console-script' });
});

test('Jobs and CronJobs run in the browser byte-identical to `kubeplay script` (golden 12-jobs)', async () => {
  await scriptInBrowser(golden('12-jobs'), { seed: 1, checks: [/Saw completed job: hello-/] });
});

test('LimitRanges and quotas act in the browser byte-identical to `kubeplay script` (golden 25-quota-limits)', async () => {
  await scriptInBrowser(golden('25-quota-limits'), {
    seed: 1,
    checks: [
      /is forbidden: exceeded quota: pod-demo, requested: pods=1, used: pods=2, limited: pods=2/,
      /LimitRanger plugin set: memory request for container default-mem-demo-ctr/,
    ],
  });
});

test('RBAC answers --as requests in the browser byte-identical to `kubeplay script` (golden 26-rbac)', async () => {
  await scriptInBrowser(golden('26-rbac'), {
    seed: 1,
    checks: [
      /Error from server \(Forbidden\): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"/,
      /is attempting to grant RBAC permissions not currently held:\n\{APIGroups:\[""\], Resources:\["secrets"\], Verbs:\["get" "list"\]\}/,
      /no - RBAC: role\.rbac\.authorization\.k8s\.io "pod-reader" not found/,
    ],
  });
});

test('kubectl diff prints GNU diff -u output in the browser byte-identical to `kubeplay script` (golden 27-diff)', async () => {
  await scriptInBrowser(golden('27-diff'), {
    seed: 1,
    checks: [
      /\ndiff -u -N \/tmp\/LIVE-\d+\/apps\.v1\.Deployment\.default\.web \/tmp\/MERGED-\d+\/apps\.v1\.Deployment\.default\.web\n--- /,
      /\n-  replicas: 4\n\+  replicas: 2\n/,
      /\n-  password: '\*\*\* \(before\)'\n\+  password: '\*\*\* \(after\)'\n/,
      /Warning: Detected changes to resource held which is currently being deleted\./,
    ],
  });
});

test('kubectl set env and replace run in the browser byte-identical to `kubeplay script` (goldens 28-replace, 29-set-env)', async () => {
  await scriptInBrowser(golden('28-replace'), {
    seed: 1,
    checks: [/configmap "flags" deleted from staging namespace\nconfigmap\/flags replaced\n/, /error: --dry-run can not be used when --force is set/],
  });
  await scriptInBrowser(golden('29-set-env'), {
    seed: 1,
    checks: [/# APP_LOG_LEVEL from configmap app-config, key log\.level\n/, /\nPASSWORD=s3cret\n/, /\nFROM_STDIN=yes\n/],
  });
});

test('kubectl events sorts ties as Go does in the browser too, byte-identical to `kubeplay script` (golden 30-events)', async () => {
  // The wasm build's usize is 32 bits: pdqsort's pattern breaking must
  // still draw the same positions as the native (and Go's 64-bit) one.
  await scriptInBrowser(golden('30-events'), {
    seed: 1,
    checks: [
      /\$ kubectl events\nLAST SEEN +TYPE +REASON +OBJECT +MESSAGE\n105s +Normal +RegisteredNode +Node\/node-3 /,
      /\n {4}"kind": "EventList",\n {4}"apiVersion": "v1",\n {4}"metadata": \{\},\n/,
      /error: the server doesn't have a resource type "deployments\.apps"/,
    ],
  });
});

test('a mounted ConfigMap changes in the running pod at its next sync, in the browser as in `kubeplay script` (golden 31-volume-updates)', async () => {
  await scriptInBrowser(golden('31-volume-updates'), {
    seed: 1,
    checks: [
      /\$ kubectl exec deployments\/configmap-volume -- cat \/etc\/config\/sport\ncricket\n\$ kubectl exec deployments\/configmap-volume -- cat \/etc\/sport\nfootball\n/,
      /My preferred sport is football\n[^\n]+My preferred sport is cricket\n/,
      /\ngo at [^\n]+\ntier="b"\n/,
    ],
  });
});

test('a pod polling a Service logs each endpoint that answered, in the browser as in `kubeplay script` (golden 32-service-poll)', async () => {
  // Each request of the loop goes through its tool when the traffic
  // engine sends it: the same endpoints, in the same order, in wasm.
  await scriptInBrowser(golden('32-service-poll'), {
    seed: 1,
    checks: [
      /\$ kubectl logs poller --timestamps\n(2026-01-01T00:01:\d\d\.\d+Z hello-7474d9b58d-\w{5}\n){10}/,
      /\$ kubectl logs checker --previous\nwget: bad address 'hello'\n/,
      /checker +0\/1 +CrashLoopBackOff/,
    ],
  });
});

test('kubectl port-forward runs as a background job in the browser as in `kubeplay script` (golden 35-port-forward)', async () => {
  await scriptInBrowser(golden('35-port-forward'), {
    seed: 1,
    checks: [
      /\$ kubectl port-forward svc\/web 8080:8000 &\n\[1\] \d+\nForwarding from 127\.0\.0\.1:8080 -> 80\nForwarding from \[::1\]:8080 -> 80\n/,
      /Handling connection for 8080\n200 from ::1\n/,
      /"An error occurred forwarding" err="error forwarding port 80 to pod [0-9a-f]{64}, uid : failed to find sandbox \\"[0-9a-f]{64}\\" in store: not found" localPort=1234 remotePort=80\nerror: lost connection to pod\ncurl: \(52\) Empty reply from server\n/,
    ],
  });
});

test('lists merge by their patch merge key in the browser as in `kubeplay script` (golden 36-merge-keys)', async () => {
  // The wasm build is optimized: the merge must keep its list keys there
  // as in the native debug build the goldens run.
  await scriptInBrowser(golden('36-merge-keys'), {
    seed: 1,
    checks: [
      /\[\{"containerPort":80,"protocol":"TCP"\},\{"containerPort":8080,"name":"alt","protocol":"TCP"\}\]\n/,
      /\nSuspended=True JobSuspended\nConfigIssue=True \n/,
    ],
  });
});

test('HTTP probes reach the access log in the browser as in `kubeplay script` (golden 37-probe-logs)', async () => {
  // The probe lines are written out when the log is read, from the same
  // schedule in the wasm build as natively.
  await scriptInBrowser(golden('37-probe-logs'), {
    seed: 1,
    checks: [
      /\n10\.244\.2\.1 - - \[01\/Jan\/2026:00:01:15 \+0000\] "GET \/index\.html HTTP\/1\.1" 200 615 "-" "health-checker\/2\.0" "-"\n/,
      /Liveness probe failed: HTTP probe failed with statuscode: 500\n/,
      /"exitCode":2,/,
    ],
  });
});

test('exec and postStart writes stay, and nginx serves its root in the browser as in `kubeplay script` (golden 38-files-and-hooks)', async () => {
  await scriptInBrowser(golden('38-files-and-hooks'), {
    seed: 1,
    checks: [
      /HTTP\/1\.1 403 Forbidden\n/,
      /\$ kubectl exec greeter -- cat \/usr\/share\/message\nHello from the postStart handler\n/,
      /\$ kubectl exec pair -c server -- curl -s localhost\nHello from the writer\n/,
      /Warning   FailedPostStartHook   pod\/bad-hook   PostStartHook failed\n/,
    ],
  });
});

test('-o go-template prints in the browser as in `kubeplay script` (golden 39-go-template)', async () => {
  await scriptInBrowser(golden('39-go-template'), {
    seed: 1,
    checks: [
      /\nhostnames: 3\/3 ready\n/,
      /\nscaled 3 replicas, hostnames\n/,
      /template: output:1: bad character U\+002F '\/'\n/,
    ],
  });
});

test('a security context sets who runs, the frontend proxies to its backend, and the Kubernetes Basics app answers, in the browser as in `kubeplay script` (goldens 40-security-context, 41-frontend-backend, 42-kubernetes-basics, 43-persistent-data)', async () => {
  await scriptInBrowser(golden('40-security-context'), {
    seed: 1,
    checks: [
      /\n {4}1 1000 {6}0:00 sleep 1h\n/,
      /\nuid=1000 gid=3000 groups=2000,3000,4000\n/,
      /\nCapPrm:\t00000000aa0435fb\n/,
      /\n\/data\/demo\n/,
    ],
  });
  await scriptInBrowser(golden('41-frontend-backend'), {
    seed: 1,
    checks: [
      /\n\{"message":"Hello"\}\n/,
      /nginx: \[emerg\] host not found in upstream "hello"/,
    ],
  });
  await scriptInBrowser(golden('42-kubernetes-basics'), {
    seed: 1,
    checks: [
      /\nHello Kubernetes bootcamp! \| Running on: kubernetes-bootcamp-[a-z0-9]+-[a-z0-9]{5} \| v=2\n/,
      /\| Total Requests: 2 \| App Uptime: /,
    ],
  });
  await scriptInBrowser(golden('43-persistent-data'), {
    seed: 1,
    checks: [
      /\$ kubectl exec -i -t web-1 -- curl http:\/\/localhost\/\nweb-1\n/,
      /\nAddress 2: 10\.244\.\d+\.\d+ web-1\.nginx\.default\.svc\.cluster\.local\n/,
    ],
  });
});

test('interactive shells (exec -it, run -it, attach), kubectl debug and the scheduling pages run in the browser as in `kubeplay script` (goldens 18-run-attach, 45-scheduling-pages, 46-debug-running-pods)', async () => {
  await scriptInBrowser(golden('18-run-attach'), {
    seed: 1,
    checks: [
      /\nroot@deb:\/usr\/local# echo \$OLDPWD\n\/\n/,
      /\nSession ended, resume using 'kubectl attach shell -c shell -n default -i -t' command\n/,
    ],
  });
  await scriptInBrowser(golden('45-scheduling-pages'), {
    seed: 1,
    checks: [
      /\nnode\/node-1 untainted\n/,
      /\[map\[effect:NoSchedule key:node-role\.kubernetes\.io\/control-plane\]\]/,
      /Pod was rejected: Predicate NodeAffinity failed/,
    ],
  });
  await scriptInBrowser(golden('46-debug-running-pods'), {
    seed: 1,
    checks: [
      /\nEphemeral Containers:\n {2}debugger-[a-z0-9]{5}:\n/,
      /\n {4}1 root {6}0:00 \/pause\n {4}7 root {6}0:00 sh\n/,
      /\nCreating debugging pod node-debugger-node-1-[a-z0-9]{5} with container debugger on node node-1\.\n/,
    ],
  });
});

test("the user's own shell (pipes, variables, $(kubectl …), files, continued lines) runs in the browser as in `kubeplay script` (golden 47-users-shell)", async () => {
  await scriptInBrowser(golden('47-users-shell'), {
    seed: 1,
    checks: [
      /\$ echo -n 'my-app' \| base64\nbXktYXBw\n/,
      /\n>     --from-file=\.\/password\.txt\nsecret\/db-user-pass created\n/,
      /\nName of the Pod: kubernetes-bootcamp-[a-z0-9]+-[a-z0-9]{5}\n/,
      /\n> done\n1\n2\n3\n/,
    ],
  });
});

test('Configuring Redis using a ConfigMap runs in the browser as in `kubeplay script` (golden 48-redis-configmap), and redis-cli takes over the console prompt', async () => {
  await scriptInBrowser(golden('48-redis-configmap'), {
    seed: 1,
    checks: [
      /\n127\.0\.0\.1:6379> CONFIG GET maxmemory\n1\) "maxmemory"\n2\) "2097152"\n/,
      /\n>>> 'maxmemory-polcy allkeys-lru'\nBad directive or wrong number of arguments\n/,
      // Standard error is marked (\u0001 … \u0002) in the native transcript.
      /not connected> PING\n\u0001Could not connect to Redis at nowhere:6379: Name or service not known\n/,
    ],
  });
  const { page, problems, close } = await openApp(browser, { query: '?speed=16' });
  try {
    await run(page, 'kubectl run cache --image=redis:7 -- redis-server --maxmemory 2mb');
    await page.waitForSelector('.nodes .pod.st-ready[data-obj="Pod/default/cache"]', { timeout: 30_000 });
    const prompt = () => page.textContent('.prompt-line .prompt');
    await run(page, 'kubectl exec -it cache -- redis-cli');
    assert.equal(await prompt(), '127.0.0.1:6379>');
    assert.equal(await run(page, 'CONFIG GET maxmemory'), '1) "maxmemory"\n2) "2097152"\n');
    assert.equal(await run(page, 'SELECT 2'), 'OK\n');
    assert.equal(await prompt(), '127.0.0.1:6379[2]>');
    await run(page, 'quit');
    assert.equal(await prompt(), '$');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('kubectl get --watch and kubectl logs --follow run in the browser as in `kubeplay script` (golden 49-watch-follow)', async () => {
  await scriptInBrowser(golden('49-watch-follow'), {
    seed: 1,
    checks: [
      /\nweb-[a-z0-9]+-[a-z0-9]{5}   1\/1     Running             0          2s\n/,
      /\nDELETED    web-[a-z0-9]+-[a-z0-9]{5}   0\/1     Completed           0          \d+s\n/,
      /\nhello-\d+   Complete   1\/1           \ds         \ds\n/,
      /\n\$ kubectl logs -f job\/countdown\n3\n2\n1\nliftoff\n/,
    ],
  });
});

test('ls -l (the atomic writer layout, fsGroup ownership), positional parameters and printf run in the browser as in `kubeplay script` (golden 50-long-listing)', async () => {
  await scriptInBrowser(golden('50-long-listing'), {
    seed: 1,
    checks: [
      /\nlrwxrwxrwx    1 root     root            32 Jan  1 00:01 \.\.data -> \.\.2026_01_01_00_01_01\.\d+\n/,
      /\n-rw-r--r--    1 1000     2000             6 Jan  1 00:02 testfile\n/,
      /\ntwo words\|  9\|\n/,
      /\n-rw-r--r-- 1 root root  615 Jan  1 00:02 index\.html\n/,
    ],
  });
});

test('the Guestbook tutorial (Redis replication, the PHP frontend through port-forward) runs in the browser as in `kubeplay script` (golden 51-guestbook)', async () => {
  await scriptInBrowser(golden('51-guestbook'), {
    seed: 1,
    checks: [
      /\n10:S \d\d Jan 2026 [\d:.]+ \* MASTER <-> REPLICA sync: receiving 175 bytes from master to disk\n/,
      /\n1:M \d\d Jan 2026 [\d:.]+ \* Synchronization with replica 10\.244\.\d+\.\d+:6379 succeeded\n/,
      /\n\{"data": ",hello"\}\$ curl/,
      /\nREADONLY You can't write against a read only replica\.\n/,
      /\n10:S \d\d Jan 2026 [\d:.]+ # Timeout connecting to the MASTER\.\.\.\n/,
    ],
  });
});

test('the Kubernetes Basics tutorial\'s kubectl proxy and kubectl get --raw run in the browser as in `kubeplay script` (golden 52-kubectl-proxy)', async () => {
  await scriptInBrowser(golden('52-kubectl-proxy'), {
    seed: 1,
    checks: [
      /\nStarting to serve on 127\.0\.0\.1:8001\n/,
      /\n  "gitVersion": "v1\.37\.0",\n/,
      /\nHello Kubernetes bootcamp! \| Running on: kubernetes-bootcamp-[a-z0-9]+-[a-z0-9]{5} \| v=1\n/,
      /\n\{"kind":"Endpoints","apiVersion":"v1","metadata":\{"name":"kubernetes"/,
    ],
  });
});

test('the RBAC example: the viewer account reads pods and is refused the rest', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?speed=16' });
  try {
    const lines = await applyExample(page, 'RBAC: a read-only account');
    assert.deepEqual(lines, [
      'namespace/team created',
      'serviceaccount/viewer created',
      'role.rbac.authorization.k8s.io/pod-reader created',
      'rolebinding.rbac.authorization.k8s.io/viewer-reads-pods created',
      'deployment.apps/team-web created',
    ]);
    await page.waitForFunction(() => document.querySelectorAll('.nodes .pod.st-ready[data-obj^="Pod/team/team-web-"]').length === 2, null, { timeout: 30_000 });
    const as = '--as=system:serviceaccount:team:viewer';
    assert.equal(await run(page, `kubectl auth can-i list pods -n team ${as}`), 'yes\n');
    assert.equal(await run(page, `kubectl auth can-i delete pods -n team ${as}`), 'no\n');
    assert.match(await run(page, `kubectl get pods -n team ${as}`), /^NAME +READY +STATUS +RESTARTS +AGE\nteam-web-[a-z0-9]+-[a-z0-9]{5} +1\/1 +Running/);
    assert.equal(
      await run(page, `kubectl delete deployment team-web -n team ${as}`),
      'Error from server (Forbidden): deployments.apps "team-web" is forbidden: User "system:serviceaccount:team:viewer" cannot delete resource "deployments" in API group "apps" in the namespace "team"\n',
    );
    assert.match(await run(page, `kubectl auth whoami ${as}`), /Groups +\[system:serviceaccounts system:serviceaccounts:team system:authenticated\]/);
    // The refusal changed nothing: both pods still run.
    assert.equal(await page.$$eval('.nodes .pod.st-ready[data-obj^="Pod/team/team-web-"]', (els) => els.length), 2);
    await screenshot(page, 'rbac-example');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the Guestbook example: the followers sync with the leader and the frontend reads what it wrote', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?speed=16' });
  try {
    const lines = await applyExample(page, 'Guestbook: PHP and Redis');
    assert.deepEqual(lines, [
      'deployment.apps/redis-leader created',
      'service/redis-leader created',
      'deployment.apps/redis-follower created',
      'service/redis-follower created',
      'deployment.apps/frontend created',
      'service/frontend created',
    ]);
    await page.waitForFunction(() => document.querySelectorAll('.nodes .pod.st-ready[data-obj^="Pod/default/"]').length === 6, null, { timeout: 30_000 });
    // Both followers' full synchronizations, in the leader's log.
    const leader = await run(page, 'kubectl logs -l role=leader');
    assert.equal(leader.match(/\* Synchronization with slave 10\.244\.\d+\.\d+:6379 succeeded/g)?.length, 2, leader);
    assert.equal(await run(page, "kubectl exec deploy/frontend -- curl -s 'localhost/guestbook.php?cmd=set&key=messages&value=,hi'"), '{"message": "Updated"}\n');
    assert.equal(await run(page, "kubectl exec deploy/frontend -- curl -s 'localhost/guestbook.php?cmd=get&key=messages'"), '{"data": ",hi"}\n');
    await screenshot(page, 'guestbook-example');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('the quota example: four of six pods, defaults filled in, FailedCreate for the rest', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?speed=16' });
  try {
    const lines = await applyExample(page, 'Quota and LimitRange');
    assert.deepEqual(lines, ['namespace/budget created', 'limitrange/defaults created', 'resourcequota/team-quota created', 'deployment.apps/budget-web created']);
    await page.waitForFunction(() => document.querySelectorAll('.nodes .pod.st-ready[data-obj^="Pod/budget/budget-web-"]').length === 4, null, { timeout: 30_000 });
    const quota = await run(page, 'kubectl get quota team-quota -n budget');
    assert.match(quota, /pods: 4\/4, requests\.cpu: 400m\/1 +limits\.memory: 512Mi\/1Gi/);
    const limits = await run(page, "kubectl get pods -n budget -o jsonpath='{.items[0].metadata.annotations}'");
    assert.match(limits, /LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx/);
    const events = await run(page, 'kubectl get events -n budget --field-selector reason=FailedCreate');
    assert.match(events, /Error creating: pods "budget-web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: team-quota, requested: pods=1, used: pods=4, limited: pods=4/);
    assert.equal(await page.$$eval('.nodes .pod[data-obj^="Pod/budget/budget-web-"]', (els) => els.length), 4);
    await screenshot(page, 'quota-example');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

test('a stopped node greys out, counts down, and its pods move after the eviction timeout', async () => {
  const { page, problems, close } = await openApp(browser, { query: '?speed=16' });
  try {
    await page.click('button.examples');
    await page.click('.menu-item:has-text("nginx Deployment")');
    await page.click('button.apply');
    await page.waitForFunction(() => document.querySelector('.workloads .wl-ready')?.textContent === '3/3', null, { timeout: 30_000 });
    const victim = await page.$eval('.nodes [data-node]:has(.pod.st-ready)', (e) => e.dataset.node);
    const card = `.nodes [data-node="${victim}"]`;
    const before = await page.$$eval(`${card} .pod`, (els) => els.length);
    assert.ok(before >= 1);
    await page.click(`${card} .node-head`);
    await page.click('.insp-head button:has-text("Stop node")');
    // The kubelet stopped at once; the control plane notices only after
    // node-monitor-grace-period (40 s), then evicts after tolerationSeconds (300 s).
    await page.waitForSelector(`${card}.stopped .chip.countdown`);
    assert.match(await page.textContent(`${card} .chips.waits`), /kubelet stopped.*NotReady in \d+s/);
    await screenshot(page, 'node-stopped-countdown');
    await page.selectOption('select.speed', { label: '64×' });
    await page.waitForFunction((c) => /pods evicted in \d+m/.test(document.querySelector(`${c} .chips.waits`)?.textContent ?? ''), card, { timeout: 20_000 });
    assert.match(await page.textContent(`${card} .node-status`), /NotReady|Unknown/);
    assert.match(await page.$eval(card, (e) => e.className), /\bdown\b/);
    await screenshot(page, 'node-not-ready-eviction-countdown');
    // After the countdown, replacements run on the other nodes.
    await page.waitForFunction(
      (c) => {
        const ready = [...document.querySelectorAll('.nodes .pod.st-ready[data-obj^="Pod/default/nginx-"]')];
        return ready.length === 3 && ready.every((p) => !p.closest(c));
      },
      card,
      { timeout: 40_000 },
    );
    await screenshot(page, 'node-pods-rescheduled');
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
