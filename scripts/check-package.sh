#!/usr/bin/env bash
# Checks the package as its users get it, not as the repository sees it:
#   1. build, then publint and arethetypeswrong on the packed tarball;
#   2. the tarball holds dist/, README, docs and package.json, nothing else;
#   3. a scratch project installs the tarball (and the peer dependencies) and
#      - imports every subpath of the exports map from ESM and requires it from
#        CommonJS, with the same export names in both,
#      - checks that errors built by one module format are recognised by the
#        other's guards and classes (both copies can be loaded in one app),
#      - type-checks an .mts and a .cts consumer under `module: nodenext`.
# Exits non-zero at the first failure. KEEP_SCRATCH=1 keeps the temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

step() { printf '\n== %s\n' "$*"; }
fail() {
  printf 'check-package: %s\n' "$*" >&2
  exit 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/check-package.XXXXXX")"
cleanup() {
  if [ "${KEEP_SCRATCH:-0}" = "1" ]; then
    echo "scratch kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

step "build (rollup)"
npm run build

step "publint --strict (warnings count as errors; suggestions must be absent too)"
publint_output="$(npx --no-install publint --strict 2>&1)" || {
  echo "$publint_output"
  fail "publint reported errors"
}
echo "$publint_output"
grep -q "All good!" <<<"$publint_output" || fail "publint reported something (see above)"

step "arethetypeswrong --pack, profile node16 (ESM and CommonJS consumers under node16/nodenext, and bundlers)"
# The node16 profile leaves out node10 resolution only: node10 ignores the
# `exports` map, so it cannot resolve any subpath (`/errors`, `/mocks`) of any
# package that does not also ship typesVersions; the package requires
# Node >= 20 and TypeScript's node16/nodenext or bundler resolution.
npx --no-install attw --pack . --profile node16

step "npm pack"
npm pack --pack-destination "$work" --json >"$work/pack.json"
tarball="$(node -e 'const [p] = require(process.argv[1]); console.log(p.filename)' "$work/pack.json")"
tarball="$work/$(basename "$tarball")"
[ -f "$tarball" ] || fail "npm pack did not write $tarball"
echo "tarball: $(basename "$tarball") ($(wc -c <"$tarball") bytes)"

step "tarball contents: only dist/, README, docs, package.json, LICENSE"
node - "$work/pack.json" "$repo/package.json" <<'EOF'
const [packJsonPath, packageJsonPath] = process.argv.slice(2);
const [pack] = require(packJsonPath);
const packageJson = require(packageJsonPath);
const files = pack.files.map((file) => file.path).sort();
for (const file of files) console.log(`  ${file}`);

// Code and declarations in dist/, markdown docs, the manifest, the licence.
const allowed = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE(\.md)?$/,
  /^CHANGELOG\.md$/,
  /^docs\/[\w./-]+\.md$/,
  /^dist\/[\w./-]+\.(js|cjs|d\.ts|d\.cts)$/,
];
const junk = files.filter((file) => !allowed.some((pattern) => pattern.test(file)));
if (junk.length > 0) {
  console.error(`unexpected files in the tarball (source maps, tests, sources?):\n  ${junk.join("\n  ")}`);
  process.exit(1);
}

// Every file the manifest points at must be in the tarball.
const targets = new Set();
const collect = (value) => {
  if (typeof value === "string") targets.add(value.replace(/^\.\//, ""));
  else if (value && typeof value === "object") Object.values(value).forEach(collect);
};
collect(packageJson.exports);
collect([packageJson.main, packageJson.module, packageJson.types, packageJson.bin]);
const missing = [...targets].filter((target) => !target.includes("*") && !files.includes(target));
if (missing.length > 0) {
  console.error(`package.json points at files the tarball lacks:\n  ${missing.join("\n  ")}`);
  process.exit(1);
}
console.log(`${files.length} files, ${pack.size} bytes packed; every file package.json points at is present`);
EOF

step "scratch project: install the tarball and the peer dependencies"
scratch="$work/consumer"
mkdir -p "$scratch"
cp "$repo"/tests/package/fixtures/*.mjs "$repo"/tests/package/fixtures/*.cjs "$scratch/"
cat >"$scratch/package.json" <<'EOF'
{ "name": "check-package-consumer", "version": "0.0.0", "private": true }
EOF
# Peer dependencies are installed at the ranges package.json declares: that is
# what a user gets. --prefer-offline uses the npm cache when it can.
mapfile -t peers < <(node -e '
  const { peerDependencies = {} } = require(process.argv[1]);
  for (const [name, range] of Object.entries(peerDependencies)) console.log(`${name}@${range}`);
' "$repo/package.json")
echo "peers: ${peers[*]:-(none)}"
# @types/node: the declarations name AbortSignal (and Zod's name URL), which a
# Node consumer gets from @types/node; the major matches `engines`.
(cd "$scratch" && npm install --prefer-offline --no-audit --no-fund --ignore-scripts \
  "$tarball" "${peers[@]}" "@types/node@^20")

step "bin: every command of package.json is installed, executable, with a node shebang"
mapfile -t commands < <(node -e '
  const { bin = {} } = require(process.argv[1]);
  for (const name of Object.keys(typeof bin === "string" ? { [require(process.argv[1]).name.split("/").pop()]: bin } : bin)) console.log(name);
' "$repo/package.json")
for command in "${commands[@]}"; do
  link="$scratch/node_modules/.bin/$command"
  [ -x "$link" ] || fail "bin $command is not installed as an executable"
  head -n 1 "$link" | grep -q '^#!/usr/bin/env node' || fail "bin $command does not start with '#!/usr/bin/env node'"
  echo "ok  $command"
done
[ "${#commands[@]}" -gt 0 ] || echo "(no bin)"

step "ESM consumer: import every subpath; CommonJS copy loaded alongside"
(cd "$scratch" && node esm-consumer.mjs)

step "CommonJS consumer: require every subpath; ESM copy imported alongside"
(cd "$scratch" && node cjs-consumer.cjs)

step "type-check an .mts and a .cts consumer (tsc, module nodenext, strict, skipLibCheck off)"
subpath_imports="$(node -e '
  const { name, exports } = require(process.argv[1]);
  Object.keys(exports)
    .filter((subpath) => subpath !== "./package.json" && !subpath.includes("*"))
    .forEach((subpath, index) => {
      const specifier = subpath === "." ? name : `${name}/${subpath.slice(2)}`;
      console.log(`import * as subpath${index} from "${specifier}";`);
      console.log(`export const loaded${index}: object = subpath${index};`);
    });
' "$repo/package.json")"
for extension in mts cts; do
  cat >"$scratch/consumer.$extension" <<EOF
import {
  type ContainerConfig,
  type ContainerDriver,
  ContainerNotFoundError,
  createDriverConfig,
  isDriverError,
  parseContainerConfig,
  VERSION,
} from "@openagent/driver-interface";
import { ConfigurationError, getErrorCode } from "@openagent/driver-interface/errors";
$subpath_imports

const config: ContainerConfig = createDriverConfig({ sessionId: "s-1", image: "alpine:3.20" });
const parsed: ContainerConfig = parseContainerConfig(config);
export const cpu: number = parsed.resources.cpu;
export const version: string = VERSION;

// If the declarations resolved to \`any\`, these would not be errors.
// @ts-expect-error an incomplete driver does not type-check
export const incomplete: ContainerDriver = { name: "broken", version: "1.0.0" };
// @ts-expect-error resources.cpu is a number
export const wrong: ContainerConfig = { ...config, resources: { ...config.resources, cpu: "1" } };

export function codeOf(error: unknown): string {
  if (isDriverError(error)) return error.retryable ? \`retry \${error.code}\` : error.code;
  if (error instanceof ContainerNotFoundError) return error.containerId;
  return getErrorCode(error);
}
export const configurationError = new ConfigurationError("bad", { issues: [{ path: "image", message: "empty" }] });
EOF
done
cat >"$scratch/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "es2022",
    "lib": ["es2022"],
    "types": ["node"],
    "strict": true,
    "exactOptionalPropertyTypes": true,
    "noUncheckedIndexedAccess": true,
    "skipLibCheck": false,
    "noEmit": true
  },
  "files": ["consumer.mts", "consumer.cts"]
}
EOF
(cd "$scratch" && "$repo/node_modules/.bin/tsc" -p tsconfig.json --listFiles >"$work/tsc-files.txt") || {
  grep -v '^/' "$work/tsc-files.txt" >&2
  fail "the consumers do not type-check against the installed package"
}
# Each module format must get the declarations that match the code it loads.
grep -q "node_modules/@openagent/driver-interface/dist/index.d.ts$" "$work/tsc-files.txt" ||
  fail "the .mts consumer did not resolve dist/index.d.ts"
grep -q "node_modules/@openagent/driver-interface/dist/index.d.cts$" "$work/tsc-files.txt" ||
  fail "the .cts consumer did not resolve dist/index.d.cts"
echo "ok  consumer.mts uses dist/*.d.ts, consumer.cts uses dist/*.d.cts; both type-check"

step "package check passed"
