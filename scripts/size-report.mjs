// Reports the release bundle's size: wasm, js and css, raw and gzipped.
//
// The budget is 450 KiB gzipped in total. The full engine (API server,
// controllers, scheduler, kubelet, network and kubectl, all running in the
// page) does not fit in it today, so the report states how far over the
// budget the bundle is on every run, and fails only above a regression
// ceiling, so that growth cannot go unnoticed. See README "Bundle size".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_GZIP_BYTES = 450 * 1024;
const CEILING_GZIP_BYTES = 1192 * 1024;
const dist = process.argv[2] ?? 'dist';

const totals = { wasm: [0, 0], js: [0, 0], css: [0, 0] };
const wasms = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) { walk(path); continue; }
    const kind = extname(name).slice(1);
    if (!(kind in totals)) continue;
    const bytes = readFileSync(path);
    if (kind === 'wasm') wasms.push([name, bytes]);
    totals[kind][0] += bytes.length;
    totals[kind][1] += gzipSync(bytes, { level: 9 }).length;
  }
};
walk(dist);

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log('kind        raw      gzipped');
let gzipTotal = 0;
for (const [kind, [raw, gz]] of Object.entries(totals)) {
  gzipTotal += gz;
  console.log(`${kind.padEnd(5)} ${kib(raw).padStart(11)} ${kib(gz).padStart(12)}   (${raw} / ${gz} bytes)`);
}
console.log(`gzipped total: ${kib(gzipTotal)} (${gzipTotal} bytes); budget ${kib(BUDGET_GZIP_BYTES)}, regression ceiling ${kib(CEILING_GZIP_BYTES)}`);
if (totals.wasm[0] === 0) {
  console.error(`error: no .wasm file in ${dist}; was the bundle built?`);
  process.exit(1);
}
if (gzipTotal > BUDGET_GZIP_BYTES) {
  console.log(`warning: the bundle is over the ${kib(BUDGET_GZIP_BYTES)} budget by ${kib(gzipTotal - BUDGET_GZIP_BYTES)}`);
}

// The standard library's float parser (`str::parse::<f64>`) brings its
// 10 KB table of powers of five, about 13 KiB gzipped; the engine parses
// with `kubeplay_engine::num::parse_f64`. The table's first entry, 5^-342,
// as it lies in the data section:
const POWERS_OF_FIVE = Buffer.alloc(16);
POWERS_OF_FIVE.writeBigUInt64LE(0xeef453d6923bd65an, 0);
POWERS_OF_FIVE.writeBigUInt64LE(0x113faa2906a13b3fn, 8);
for (const [name, bytes] of wasms) {
  if (bytes.indexOf(POWERS_OF_FIVE) >= 0) {
    console.error(`error: ${name} links the standard library's float parser; parse with kubeplay_engine::num::parse_f64 instead of str::parse::<f64>`);
    process.exit(1);
  }
}
if (gzipTotal > CEILING_GZIP_BYTES) {
  console.error(`error: the bundle is over the regression ceiling by ${kib(gzipTotal - CEILING_GZIP_BYTES)}`);
  process.exit(1);
}
