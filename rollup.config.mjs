// Builds every public entry point twice (ESM .js, CommonJS .cjs) and bundles
// its declarations twice (.d.ts for import, .d.cts for require), so both
// module systems resolve types that match the code they load. Code shared by
// entry points becomes a shared chunk per format, so `./errors` and the root
// hand out the same classes.
import { chmodSync } from "node:fs";
import { dts } from "rollup-plugin-dts";
import esbuild from "rollup-plugin-esbuild";

/** Public entry points: output name → source file. */
const entries = {
  index: "src/index.ts",
  errors: "src/errors.ts",
  mocks: "tests/mocks/index.ts",
  toolkit: "src/toolkit/index.ts",
  conformance: "src/conformance/index.ts",
  "conformance/vitest": "src/conformance/vitest.ts",
};

/** The `driver-conformance` command: ESM only, no declarations. */
const cli = { cli: "src/conformance/cli.ts" };

const external = (id) =>
  id === "zod" || id.startsWith("zod/") || id.startsWith("node:") || id === "vitest" || id.startsWith("vitest/");

const shared = (extension) => ({ chunkFileNames: `shared/[name]-[hash].${extension}` });

/** Make the command executable after it is written. */
const executable = {
  name: "executable",
  writeBundle(options, bundle) {
    for (const fileName of Object.keys(bundle)) {
      if (fileName === "cli.js") chmodSync(`${options.dir}/${fileName}`, 0o755);
    }
  },
};

export default [
  {
    input: { ...entries, ...cli },
    external,
    plugins: [esbuild({ target: "node20" }), executable],
    output: [{ dir: "dist", format: "es", entryFileNames: "[name].js", ...shared("js") }],
  },
  {
    input: entries,
    external,
    plugins: [esbuild({ target: "node20" })],
    output: [{ dir: "dist", format: "cjs", entryFileNames: "[name].cjs", ...shared("cjs") }],
  },
  {
    input: entries,
    external,
    plugins: [dts()],
    output: [
      { dir: "dist", format: "es", entryFileNames: "[name].d.ts", ...shared("d.ts") },
      { dir: "dist", format: "es", entryFileNames: "[name].d.cts", ...shared("d.cts") },
    ],
  },
];
