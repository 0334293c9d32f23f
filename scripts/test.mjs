// `npm test` and `npm run test:unit`: checks up front that the services the full suite talks to are running,
// runs vitest, and always ends with the line CI reads: "tests: N passed, N failed, N skipped".
//   node scripts/test.mjs          every test (needs the local Postgres server and Redis)
//   node scripts/test.mjs --unit   the embedded tier: no services, no browser, no Debian audio tools
// Further arguments go to vitest (a file filter, -t <name>).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const REPORT = '.tmp/vitest.json';
const args = process.argv.slice(2);
const unit = args.includes('--unit');
const rest = args.filter((a) => a !== '--unit');

const pgUrl = new URL(process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const redisUrl = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const SERVICES = [
  { name: 'PostgreSQL', host: pgUrl.hostname, port: Number(pgUrl.port || 5432), variable: 'TEST_PG_URL', start: 'pg_ctlcluster <version> main start' },
  { name: 'Redis', host: redisUrl.hostname, port: Number(redisUrl.port || 6379), variable: 'TEST_REDIS_URL', start: 'redis-server --daemonize yes' },
];

function reachable({ host, port }) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    const done = (ok) => (socket.destroy(), resolve(ok));
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function summary(passed, failed, skipped) {
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
}

if (!unit) {
  const missing = [];
  for (const s of SERVICES) if (!(await reachable(s))) missing.push(s);
  if (missing.length > 0) {
    for (const s of missing) {
      console.error(`${s.name} is not reachable at ${s.host}:${s.port} (${s.variable}): start it (${s.start}; .ci/run does both) or run the embedded tier, npm run test:unit`);
    }
    summary(0, 0, 0);
    process.exit(1);
  }
}

fs.rmSync(REPORT, { force: true });
fs.mkdirSync(path.dirname(REPORT), { recursive: true });
const vitest = spawnSync(
  process.execPath,
  ['node_modules/vitest/vitest.mjs', 'run', ...(unit ? ['--project', 'unit'] : []), '--reporter=default', '--reporter=json', `--outputFile.json=${REPORT}`, ...rest],
  { stdio: 'inherit' },
);

if (!fs.existsSync(REPORT)) {
  console.error('vitest wrote no report (it stopped before running the tests; see above)');
  summary(0, 0, 0);
  process.exit(vitest.status || 1);
}
const r = JSON.parse(fs.readFileSync(REPORT, 'utf8'));
const skipped = r.numPendingTests + r.numTodoTests;
// A file that fails to load has no failed test in the counts; it still fails the run.
const brokenFiles = r.testResults.filter((t) => t.status === 'failed' && t.assertionResults.every((a) => a.status !== 'failed')).length;
summary(r.numPassedTests, r.numFailedTests + brokenFiles, skipped);
if (r.numTotalTests - skipped === 0) {
  console.error('no test ran');
  process.exit(1);
}
process.exit(vitest.status ?? 1);
