// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON
// reports: one file, or several (unit + browser tests) summed into one line.
import { existsSync, readFileSync } from "node:fs";

const files = process.argv.slice(2).length ? process.argv.slice(2) : [".vitest.json"];
let passed = 0;
let failed = 0;
let skipped = 0;
let total = 0;
for (const file of files) {
  if (!existsSync(file)) {
    console.error(`no test report at ${file}: the test run did not finish`);
    failed += 1;
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  // A file that failed to load counts as a failure even though it ran no test.
  const brokenFiles = (r.testResults ?? []).filter((f) => f.status === "failed" && (f.assertionResults ?? []).length === 0).length;
  passed += r.numPassedTests ?? 0;
  failed += (r.numFailedTests ?? 0) + brokenFiles;
  skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  total += r.numTotalTests ?? 0;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (total === 0) {
  console.error("no tests ran");
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
