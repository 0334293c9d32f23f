// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON report.
import fs from 'node:fs';

const r = JSON.parse(fs.readFileSync('.tmp/vitest.json', 'utf8'));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
if (r.numTotalTests - skipped === 0) {
  console.error('no test ran');
  process.exit(1);
}
