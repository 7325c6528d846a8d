import { describe, expect, it } from "vitest";
import {
  type ConformanceProgress,
  type ConformanceReport,
  createProgressReporter,
  escapeXml,
  formatJsonReport,
  formatJUnitReport,
  formatProgressLine,
  formatReport,
  runConformance,
} from "../../src/conformance/index.js";
import { MockDockerDriver } from "../mocks/index.js";
import { breakMock, conformanceOptions } from "../fixtures/broken-driver.js";
import { parseXml, type XmlElement } from "./xml.js";

/** A report with every status: passed, failed (with XML-hostile text in the error), skipped, unsupported. */
async function mixedReport(): Promise<ConformanceReport> {
  const hostile = () =>
    breakMock("hostile <&> \u0001", () => ({
      startContainer: () => Promise.reject(new Error('engine said <no> & "never" \u0007')),
    }));
  return runConformance(hostile, {
    ...conformanceOptions,
    filter: /^(identity\.|lifecycle\.start\.from-(created|removing)|networks\.use\.)/,
    arrange: {},
    unsupported: { "networks.use.none": "the runtime cannot isolate <networks> & such" },
  });
}

function all(element: XmlElement, name: string): XmlElement[] {
  return [...(element.name === name ? [element] : []), ...element.children.flatMap((child) => all(child, name))];
}

describe("JUnit reporter", () => {
  it("writes well-formed XML with one testcase per result and the counts CI reads", async () => {
    const report = await mixedReport();
    const statuses = report.results.map((result) => result.status);
    expect(statuses).toEqual(expect.arrayContaining(["passed", "failed", "skipped", "unsupported"]));
    const xml = formatJUnitReport([report]);
    const root = parseXml(xml);
    expect(root.name).toBe("testsuites");
    const [suite] = all(root, "testsuite");
    expect(suite?.attributes.name).toBe("hostile <&> \uFFFD 1.1.0");
    expect(Number(suite?.attributes.tests)).toBe(report.summary.total);
    expect(Number(suite?.attributes.failures)).toBe(report.summary.failed);
    expect(Number(suite?.attributes.skipped)).toBe(report.summary.skipped + report.summary.unsupported);
    const cases = all(root, "testcase");
    expect(cases.map((testcase) => testcase.attributes.name)).toEqual(report.results.map((result) => result.id));
    const failure = all(root, "failure")[0];
    expect(failure?.attributes.message).toContain('engine said <no> & "never" \uFFFD');
    const unsupported = cases.find((testcase) => testcase.attributes.name === "networks.use.none");
    expect(all(unsupported as XmlElement, "skipped")[0]?.attributes.message).toBe(
      "unsupported: the runtime cannot isolate <networks> & such",
    );
    const properties = Object.fromEntries(all(root, "property").map((p) => [p.attributes.name, p.attributes.value]));
    expect(properties).toMatchObject({ runId: report.runId, unsupported: "1" });
  });

  it("puts several drivers in one document", async () => {
    const report = await runConformance(() => new MockDockerDriver({ timing: "instant" }), { filter: "identity." });
    const root = parseXml(formatJUnitReport([report, report]));
    expect(all(root, "testsuite")).toHaveLength(2);
    expect(root.attributes.tests).toBe("8");
  });

  it("escapes the five special characters and replaces what XML cannot carry", () => {
    expect(escapeXml(`<a href="x">'&'</a>\u0000`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;\uFFFD",
    );
  });

  it("the XML reader used here refuses what a CI parser refuses", () => {
    for (const bad of [
      "<a><b></a></b>",
      "<a>x & y</a>",
      "<a>x < y</a>",
      '<a b="1" b="2"/>',
      "<a/><b/>",
      "<a>&nbsp;</a>",
      "<a>\u0001</a>",
      "<a>",
    ]) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});

describe("table and JSON reporters", () => {
  it("show unsupported cases on their own, with the reason, and count them apart", async () => {
    const report = await mixedReport();
    const table = formatReport(report);
    expect(table).toMatch(/^UNSP {2}networks\.use\.none +C-NETWORK-NONE\n {6}unsupported: the runtime cannot isolate/m);
    expect(table).toMatch(/: \d+ passed, \d+ failed, \d+ skipped, 1 unsupported of \d+ cases in .*NOT CONFORMANT$/);
    const parsed = JSON.parse(formatJsonReport([report])) as ConformanceReport;
    expect(parsed.summary.unsupported).toBe(1);
    expect(parsed.results.find((result) => result.id === "networks.use.none")).toMatchObject({
      status: "unsupported",
      reason: "the runtime cannot isolate <networks> & such",
    });
  });

  it("show the base config a run declared", async () => {
    const report = await runConformance(() => new MockDockerDriver({ timing: "instant" }), {
      filter: "identity.name",
      baseConfig: { security: { readOnly: false } },
    });
    expect(formatReport(report)).toContain('base config: {"security":{"readOnly":false}}');
  });
});

describe("progress reporter", () => {
  const counts = { passed: 35, failed: 1, skipped: 1, unsupported: 0 };

  it("formats case n of N, passed and failed so far, and what runs", () => {
    expect(formatProgressLine({ label: "docker", total: 120, counts, running: ["logs.tail", "filters.none"] })).toBe(
      "docker [37/120] 35 passed, 1 failed, 1 skipped · logs.tail, filters.none",
    );
    const long = formatProgressLine({ label: "docker", total: 9, counts, running: ["x".repeat(300)] }, 60);
    expect(long).toHaveLength(59);
    expect(long.endsWith("…")).toBe(true);
  });

  it("on a terminal, redraws one line in place and clears it at the end", async () => {
    const writes: string[] = [];
    const onProgress = createProgressReporter(
      { write: (text) => writes.push(text), isTTY: true, columns: 200 },
      "mock",
    );
    const events: ConformanceProgress[] = [];
    await runConformance(() => new MockDockerDriver({ timing: "instant" }), {
      filter: "identity.",
      onProgress: (event) => {
        events.push(event);
        onProgress(event);
      },
    });
    expect(writes.every((text) => text.startsWith("\r\x1b[2K"))).toBe(true);
    expect(writes.some((text) => text.includes("\n"))).toBe(false);
    expect(writes.at(-1)).toBe("\r\x1b[2K");
    expect(writes.at(-2)).toBe("\r\x1b[2Kmock [4/4] 4 passed, 0 failed");
    expect(writes.some((text) => /mock \[\d\/4\] .*· identity\./.test(text))).toBe(true);
  });

  it("elsewhere, writes a header and one plain line per finished case", async () => {
    const writes: string[] = [];
    await runConformance(() => new MockDockerDriver({ timing: "instant" }), {
      filter: "identity.",
      onProgress: createProgressReporter({ write: (text) => writes.push(text) }, "mock"),
    });
    expect(writes[0]).toBe("mock-docker 1.1.0: 4 cases\n");
    expect(writes.slice(1).every((text) => /^PASS {2}identity\.\S+ +C-[A-Z-]+ +\d+ ms\n$/.test(text))).toBe(true);
    expect(writes).toHaveLength(5);
  });
});
