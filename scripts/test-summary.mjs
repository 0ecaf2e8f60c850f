// Prints the plain closing line CI reads ("N passed, N failed, N skipped") from vitest's JSON report.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".vitest.json";
if (!existsSync(file)) {
  console.log("0 passed, 1 failed, 0 skipped");
  console.error(`no test report at ${file}: the test run did not finish`);
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, "utf8"));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
// A file that failed to load counts as a failure even though it ran no test.
const brokenFiles = (r.testResults ?? []).filter((f) => f.status === "failed" && (f.assertionResults ?? []).length === 0).length;
const failed = (r.numFailedTests ?? 0) + brokenFiles;
console.log(`${r.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
if (r.numTotalTests === 0) {
  console.error("no tests ran");
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
