// Totals of every jest run (plus failed non-jest steps) as CI's one closing line.
const fs = require('node:fs');

const files = process.argv.slice(2, -1);
const failedSteps = Number(process.argv[process.argv.length - 1] || 0);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of files) {
  if (!fs.existsSync(file)) continue;
  const result = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += result.numPassedTests;
  failed += result.numFailedTests;
  skipped += result.numPendingTests + result.numTodoTests;
  // A suite that failed to load has no tests counted; count it as one failure so it cannot hide.
  failed += result.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
}
process.stdout.write(`${passed} passed, ${failed + failedSteps} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
process.exit(failed + failedSteps > 0 ? 1 : 0);
