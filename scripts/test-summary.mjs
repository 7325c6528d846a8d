// Prints the closing lines of a test run from vitest's JSON report and the
// coverage summary: one "N passed, N failed, N skipped" line that CI reads,
// and the coverage percentages that CI records.
import { existsSync, readFileSync } from "node:fs";

const [resultsPath, coveragePath] = process.argv.slice(2);
if (coveragePath && existsSync(coveragePath)) {
  const total = JSON.parse(readFileSync(coveragePath, "utf8")).total;
  const pct = (key) => `${key} ${total[key].pct}%`;
  console.log(`Coverage: ${["statements", "branches", "functions", "lines"].map(pct).join(", ")}`);
}
if (resultsPath && existsSync(resultsPath)) {
  const results = JSON.parse(readFileSync(resultsPath, "utf8"));
  const skipped = (results.numPendingTests ?? 0) + (results.numTodoTests ?? 0);
  console.log(`Tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped`);
}
