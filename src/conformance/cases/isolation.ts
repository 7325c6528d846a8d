/**
 * The `isolation` tier, for drivers that keep a container apart from its
 * host: the security options hold inside (user, read-only root, no new
 * privileges, capability bounding set), network `none` leaves only
 * loopback, mounts appear at their targets, and a volume is shared between
 * the containers that mount it. Each is read from inside the container.
 *
 * The security and volume cases were `execution.*` in contract 1.0; they
 * keep their clauses and answer to their former ids (`formerIds`).
 *
 * @module
 */
import type { DriverConfigInput } from "../../builders.js";
import { check } from "../context.js";
import type { ConformanceCase } from "../types.js";
import { runToEnd, shown } from "./execution.js";
import { logLines } from "./logs.js";

/** The interface names a list shows: `/proc/net/dev` lines (`  lo: ...`) or the words of `ls /sys/class/net`. */
function interfacesIn(text: string, source: "proc" | "sys"): string[] {
  if (source === "sys") return text.split(/\s+/).filter((word) => word !== "");
  return logLines(text)
    .map((line) => /^\s*([^\s:|]+):/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** The text between two marker lines a command printed. */
function between(logs: string, start: string, end: string | undefined): string | undefined {
  const lines = logLines(logs);
  const from = lines.indexOf(start);
  if (from < 0) return undefined;
  const to = end === undefined ? lines.length : lines.indexOf(end, from + 1);
  return lines.slice(from + 1, to < 0 ? lines.length : to).join("\n");
}

/** Where the mounts case mounts its two volumes. */
export const MOUNT_TARGETS = Object.freeze({ writable: "/mnt/conformance-rw", readOnly: "/mnt/conformance-ro" });

/** The options of `target`'s line in a `/proc/mounts` text, or `undefined` when it is not a mount point. */
function mountOptions(mounts: string, target: string): string[] | undefined {
  for (const line of logLines(mounts)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === target) return (fields[3] ?? "").split(",");
  }
  return undefined;
}

/** Every case of the `isolation` tier, in run order. */
export const ISOLATION_CASES: readonly ConformanceCase[] = [
  {
    id: "isolation.security.user",
    formerIds: ["execution.security.user"],
    tier: "isolation",
    clause: "C-EXEC-SECURITY",
    checks: "with the default security options the process does not run as root (id -u is not 0)",
    run: async (context) => {
      const { logs } = await runToEnd(context, ["id", "-u"]);
      const uid = logLines(logs)[0]?.trim();
      check(uid !== undefined && /^\d+$/.test(uid), `id -u printed ${shown(logs)}`);
      check(uid !== "0", "the process runs as root");
    },
  },
  {
    id: "isolation.security.read-only-root",
    formerIds: ["execution.security.read-only-root"],
    tier: "isolation",
    clause: "C-EXEC-SECURITY",
    checks: "with the default security options the root file system is mounted read-only (and writing to / fails)",
    run: async (context) => {
      // A non-root user cannot write to / anyway, so the mount itself is what shows readOnly was honoured.
      const { logs } = await runToEnd(context, [
        "sh",
        "-c",
        "grep -E '^[^ ]+ / ' /proc/mounts; if touch /conformance-probe 2>/dev/null; then echo writable; else echo refused; fi",
      ]);
      const root = /^\S+ \/ \S+ (\S+)/m.exec(logs);
      check(root !== null, `/proc/mounts shows no root mount: ${shown(logs)}`);
      check((root[1] ?? "").split(",").includes("ro"), `the root file system is mounted ${root[1]}, not ro`);
      check(logs.includes("refused") && !logs.includes("writable"), `writing to / should fail: ${shown(logs)}`);
    },
  },
  {
    id: "isolation.security.no-new-privileges",
    formerIds: ["execution.security.no-new-privileges"],
    tier: "isolation",
    clause: "C-EXEC-SECURITY",
    checks: "with the default security options NoNewPrivs is 1 in /proc/self/status",
    run: async (context) => {
      const { logs } = await runToEnd(context, ["grep", "NoNewPrivs", "/proc/self/status"]);
      check(/NoNewPrivs:\s*1/.test(logs), `NoNewPrivs should be 1: ${shown(logs)}`);
    },
  },
  {
    id: "isolation.security.capabilities-dropped",
    formerIds: ["execution.security.capabilities-dropped"],
    tier: "isolation",
    clause: "C-EXEC-SECURITY",
    checks:
      "with the default security options (drop ALL) the effective, permitted and bounding capability sets are empty",
    run: async (context) => {
      // A non-root process has no effective capabilities anyway; the bounding
      // set is what shows that the drop reached the container.
      const { logs } = await runToEnd(context, ["grep", "-E", "^Cap(Eff|Prm|Bnd):", "/proc/self/status"]);
      for (const set of ["CapEff", "CapPrm", "CapBnd"]) {
        const line = new RegExp(`^${set}:\\s*([0-9a-f]+)\\s*$`, "m").exec(logs);
        check(line !== null, `${set} missing from /proc/self/status: ${shown(logs)}`);
        check(/^0+$/.test(line[1] ?? ""), `${set} should be all zeros; it is ${line[1]}`);
      }
    },
  },
  {
    id: "isolation.network.none-loopback",
    tier: "isolation",
    clause: "C-ISOLATION-NETWORK",
    checks:
      "a container on network 'none' sees only the loopback interface (lo), in /proc/net/dev and in /sys/class/net",
    run: async (context) => {
      const { logs } = await runToEnd(
        context,
        ["sh", "-c", "echo proc:; cat /proc/net/dev; echo sys:; ls /sys/class/net; echo end:"],
        { network: "none" },
      );
      const seen: string[] = [];
      for (const [source, text] of [
        ["proc", between(logs, "proc:", "sys:")],
        ["sys", between(logs, "sys:", "end:")],
      ] as const) {
        if (text === undefined || text.trim() === "") continue;
        const names = interfacesIn(text, source);
        seen.push(source);
        const others = names.filter((name) => name !== "lo");
        check(
          others.length === 0,
          `on network none the container should see only lo; ${source === "proc" ? "/proc/net/dev" : "/sys/class/net"} lists ${names.join(", ")}`,
        );
      }
      check(seen.length > 0, `neither /proc/net/dev nor /sys/class/net could be read: ${shown(logs)}`);
    },
  },
  {
    id: "isolation.mounts.at-targets",
    tier: "isolation",
    clause: "C-ISOLATION-MOUNTS",
    checks:
      "two volumes mounted at their targets appear there in /proc/mounts, the readOnly one mounted ro (writing fails), the other rw (writing works)",
    run: async (context) => {
      const writable = await context.createVolume();
      const readOnly = await context.createVolume();
      const { writable: rw, readOnly: ro } = MOUNT_TARGETS;
      // A fresh volume belongs to root, so the writer is uid 0 (every capability still dropped).
      const input: DriverConfigInput = {
        volumes: [
          { source: writable.name, target: rw, type: "volume" },
          { source: readOnly.name, target: ro, type: "volume", readOnly: true },
        ],
        security: { user: "0:0" },
      };
      const script = [
        "echo mounts:",
        `grep -E ' (${rw}|${ro}) ' /proc/mounts`,
        "echo writes:",
        `if touch ${rw}/probe 2>/dev/null; then echo rw-written; else echo rw-refused; fi`,
        `if touch ${ro}/probe 2>/dev/null; then echo ro-written; else echo ro-refused; fi`,
      ].join("; ");
      const { logs } = await runToEnd(context, ["sh", "-c", script], input);
      const mounts = between(logs, "mounts:", "writes:") ?? "";
      const rwOptions = mountOptions(mounts, rw);
      const roOptions = mountOptions(mounts, ro);
      check(rwOptions !== undefined, `${rw} is not a mount point in /proc/mounts: ${shown(logs)}`);
      check(roOptions !== undefined, `${ro} is not a mount point in /proc/mounts: ${shown(logs)}`);
      check(roOptions.includes("ro"), `the readOnly mount ${ro} is mounted ${roOptions.join(",")}, not ro`);
      check(rwOptions.includes("rw"), `the writable mount ${rw} is mounted ${rwOptions.join(",")}, not rw`);
      check(logs.includes("ro-refused"), `writing to the readOnly mount ${ro} should fail: ${shown(logs)}`);
      check(logs.includes("rw-written"), `writing to the writable mount ${rw} should work: ${shown(logs)}`);
    },
  },
  {
    id: "isolation.volume.shared",
    formerIds: ["execution.volume.shared"],
    tier: "isolation",
    clause: "C-EXEC-VOLUMES",
    checks: "a file one container writes to a volume is read by a second container that mounts the same volume",
    run: async (context) => {
      const volume = await context.createVolume();
      const token = context.uniqueName("vol");
      // A fresh volume belongs to root; root without capabilities may still
      // write to what it owns, so the writer runs as uid 0 and nothing else loosens.
      const mount: DriverConfigInput = {
        volumes: [{ source: volume.name, target: "/data", type: "volume" }],
        security: { user: "0:0" },
      };
      const writer = await runToEnd(context, ["sh", "-c", `echo ${token} > /data/shared.txt`], mount);
      check(
        writer.container.exitCode === 0,
        `the writer exited ${String(writer.container.exitCode)}: ${shown(writer.logs)}`,
      );
      const reader = await runToEnd(context, ["cat", "/data/shared.txt"], mount);
      check(reader.logs.includes(token), `the reader should print ${token}; it printed ${shown(reader.logs)}`);
    },
  },
];
