/**
 * The report as JUnit XML, the format CI systems read (and critest writes):
 * one `<testsuite>` per driver, one `<testcase>` per case, `<failure>` with
 * the error, `<skipped>` with the reason of a skipped or unsupported case.
 *
 * @module
 */
import type { ConformanceReport, ConformanceResult } from "../types.js";

/** Characters XML 1.0 does not allow at all, even escaped. */
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * `text` safe inside an XML attribute or element: the five special
 * characters escaped, characters XML cannot carry replaced by U+FFFD.
 *
 * @example
 * ```ts
 * escapeXml(`a < b & "c"`); // "a &lt; b &amp; &quot;c&quot;"
 * ```
 */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, "\uFFFD")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(result: ConformanceResult): string {
  const head = `    <testcase name="${escapeXml(result.id)}" classname="conformance.${escapeXml(result.tier)}" time="${seconds(result.durationMs)}"`;
  switch (result.status) {
    case "passed":
      return `${head}/>`;
    case "failed": {
      const message = `${result.clause}: ${result.error ?? "failed"}`;
      return `${head}>\n      <failure message="${escapeXml(message)}" type="${escapeXml(result.clause)}">${escapeXml(`${result.checks}\n${message}`)}</failure>\n    </testcase>`;
    }
    case "skipped":
    case "unsupported": {
      const prefix = result.status === "unsupported" ? "unsupported: " : "";
      return `${head}>\n      <skipped message="${escapeXml(`${prefix}${result.reason ?? ""}`)}"/>\n    </testcase>`;
    }
  }
}

function testsuite(report: ConformanceReport): string {
  const { driver, summary } = report;
  const skipped = summary.skipped + (summary.unsupported ?? 0);
  const properties = [
    ["runId", report.runId],
    ["capabilities", driver.capabilities.join(",")],
    ["unsupported", String(summary.unsupported ?? 0)],
    ...(report.baseConfig === undefined ? [] : [["baseConfig", JSON.stringify(report.baseConfig)]]),
  ]
    .map(([name, value]) => `      <property name="${escapeXml(name ?? "")}" value="${escapeXml(value ?? "")}"/>`)
    .join("\n");
  return [
    `  <testsuite name="${escapeXml(`${driver.name} ${driver.version}`)}" tests="${summary.total}" failures="${summary.failed}" errors="0" skipped="${skipped}" time="${seconds(report.durationMs)}">`,
    `    <properties>\n${properties}\n    </properties>`,
    ...report.results.map(testcase),
    "  </testsuite>",
  ].join("\n");
}

/**
 * The reports as one JUnit XML document (with a final newline).
 * Unsupported cases are `<skipped>` with a message starting "unsupported:",
 * and the suite's `unsupported` property counts them.
 *
 * @example
 * ```ts
 * writeFileSync("conformance.xml", formatJUnitReport([report]));
 * ```
 */
export function formatJUnitReport(reports: readonly ConformanceReport[]): string {
  const total = (pick: (report: ConformanceReport) => number) => reports.reduce((sum, r) => sum + pick(r), 0);
  const time = seconds(total((report) => report.durationMs));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="driver-conformance" tests="${total((r) => r.summary.total)}" failures="${total((r) => r.summary.failed)}" errors="0" skipped="${total((r) => r.summary.skipped + (r.summary.unsupported ?? 0))}" time="${time}">`,
    ...reports.map(testsuite),
    "</testsuites>",
    "",
  ].join("\n");
}
