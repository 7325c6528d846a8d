// Builds every public entry point twice (ESM .js, CommonJS .cjs) and bundles
// its declarations twice (.d.ts for import, .d.cts for require), so both
// module systems resolve types that match the code they load.
import { dts } from "rollup-plugin-dts";
import esbuild from "rollup-plugin-esbuild";

/** Public entry points: subpath → source file. */
const entries = {
  index: "src/index.ts",
  errors: "src/errors.ts",
};

const external = (id) => id === "zod" || id.startsWith("zod/") || id.startsWith("node:");

export default [
  {
    input: entries,
    external,
    plugins: [esbuild({ target: "node20" })],
    output: [
      { dir: "dist", format: "es", entryFileNames: "[name].js", chunkFileNames: "shared/[name]-[hash].js" },
      { dir: "dist", format: "cjs", entryFileNames: "[name].cjs", chunkFileNames: "shared/[name]-[hash].cjs" },
    ],
  },
  {
    input: entries,
    external,
    plugins: [dts()],
    output: [
      { dir: "dist", format: "es", entryFileNames: "[name].d.ts", chunkFileNames: "shared/[name]-[hash].d.ts" },
      { dir: "dist", format: "es", entryFileNames: "[name].d.cts", chunkFileNames: "shared/[name]-[hash].d.cts" },
    ],
  },
];
