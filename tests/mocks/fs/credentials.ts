/**
 * Who a mock process is: its user and group (resolved the way a runtime
 * does, through the container's `/etc/passwd` and `/etc/group`), and what
 * its security options give it: the capability sets a `/proc/<pid>/status`
 * shows, `NoNewPrivs`, and whether it may ignore permission bits (root with
 * `DAC_OVERRIDE`).
 *
 * @module
 */
import type { Capabilities } from "../../../src/index.js";

/** Who a process is and what it may do. */
export type Credentials = {
  readonly uid: number;
  readonly gid: number;
  /** The user name, when `/etc/passwd` knows the user. */
  readonly name: string | undefined;
  /** The group name, when `/etc/group` knows the group. */
  readonly group: string | undefined;
  /** The user's home directory (`/` when unknown). */
  readonly home: string;
  /** Whether permission bits do not apply (root holding `DAC_OVERRIDE`). */
  readonly override: boolean;
  /** The capability bounding set and the effective set, one bit per capability number. */
  readonly capabilities: { readonly bounding: bigint; readonly effective: bigint };
  readonly noNewPrivileges: boolean;
};

/** Linux capability names by number. */
const CAPABILITY_NUMBERS: readonly string[] = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
];

/** What a Docker-like runtime grants when nothing is dropped. */
const RUNTIME_DEFAULT_CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "FSETID",
  "FOWNER",
  "MKNOD",
  "NET_RAW",
  "SETGID",
  "SETUID",
  "SETFCAP",
  "SETPCAP",
  "NET_BIND_SERVICE",
  "SYS_CHROOT",
  "KILL",
  "AUDIT_WRITE",
];

const ALL_CAPABILITIES = (1n << BigInt(CAPABILITY_NUMBERS.length)) - 1n;

function bitOf(name: string): bigint {
  const index = CAPABILITY_NUMBERS.indexOf(name.startsWith("CAP_") ? name.slice(4) : name);
  return index < 0 ? 0n : 1n << BigInt(index);
}

/**
 * The bounding set a container gets: the runtime's defaults, less what
 * `drop` names, plus what `add` names (`ALL` in either means every
 * capability). Unknown names change nothing.
 *
 * @example
 * ```ts
 * capabilityMask({ drop: ["ALL"], add: [] }); // 0n
 * ```
 */
export function capabilityMask(capabilities: Capabilities): bigint {
  let mask = capabilities.drop.includes("ALL") ? 0n : RUNTIME_DEFAULT_CAPABILITIES.reduce((m, n) => m | bitOf(n), 0n);
  for (const name of capabilities.drop) mask &= ~bitOf(name);
  if (capabilities.add.includes("ALL")) return ALL_CAPABILITIES;
  for (const name of capabilities.add) mask |= bitOf(name);
  return mask;
}

type PasswdEntry = { readonly name: string; readonly uid: number; readonly gid: number; readonly home: string };

function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split("\n")) {
    const [name, , uid, gid, , home] = line.split(":");
    if (name === undefined || uid === undefined || gid === undefined) continue;
    entries.push({ name, uid: Number(uid), gid: Number(gid), home: home ?? "/" });
  }
  return entries;
}

function parseGroups(text: string): { readonly name: string; readonly gid: number }[] {
  return text
    .split("\n")
    .map((line) => line.split(":"))
    .filter((fields) => fields.length >= 3)
    .map(([name, , gid]) => ({ name: name as string, gid: Number(gid) }));
}

const NUMERIC = /^\d+$/;

/** The uid and gid a user name the container's passwd does not know gets (the image's ordinary user's). */
export const UNKNOWN_USER_ID = 1000;

/**
 * The credentials of a process started as `user` (`name`, `uid`,
 * `name:group`, `uid:gid`) in a container whose `/etc/passwd` and
 * `/etc/group` read `passwd` and `group`, with the container's security
 * options. A numeric uid the passwd does not know runs with gid 0, as a
 * runtime does; a user name it does not know runs as uid and gid 1000 under
 * that name (a real runtime refuses to start it; the mock stays lenient so
 * that a test's made-up user still works).
 *
 * @example
 * ```ts
 * resolveCredentials("openagent", { capabilities: { drop: ["ALL"], add: [] }, noNewPrivileges: true }, passwd, group).uid; // 1000
 * ```
 */
export function resolveCredentials(
  user: string,
  security: { readonly capabilities: Capabilities; readonly noNewPrivileges: boolean },
  passwd: string,
  group: string,
): Credentials {
  const [userPart = "", groupPart] = user.split(":");
  const users = parsePasswd(passwd);
  const entry = NUMERIC.test(userPart)
    ? users.find((candidate) => candidate.uid === Number(userPart))
    : users.find((candidate) => candidate.name === userPart);
  const uid = NUMERIC.test(userPart) ? Number(userPart) : (entry?.uid ?? UNKNOWN_USER_ID);
  const groups = parseGroups(group);
  let gid = entry?.gid ?? (NUMERIC.test(userPart) ? 0 : UNKNOWN_USER_ID);
  if (groupPart !== undefined) {
    gid = NUMERIC.test(groupPart)
      ? Number(groupPart)
      : (groups.find((candidate) => candidate.name === groupPart)?.gid ?? UNKNOWN_USER_ID);
  }
  const bounding = capabilityMask(security.capabilities);
  const effective = uid === 0 ? bounding : 0n;
  return {
    uid,
    gid,
    name: entry?.name ?? (NUMERIC.test(userPart) ? undefined : userPart),
    group: groups.find((candidate) => candidate.gid === gid)?.name,
    home: entry?.home ?? "/",
    override: (effective & bitOf("DAC_OVERRIDE")) !== 0n,
    capabilities: { bounding, effective },
    noNewPrivileges: security.noNewPrivileges,
  };
}

/** The runtime itself (what `writeFile` and `readFile` act as): root with every capability. */
export const RUNTIME_CREDENTIALS: Credentials = Object.freeze({
  uid: 0,
  gid: 0,
  name: "root",
  group: "root",
  home: "/root",
  override: true,
  capabilities: Object.freeze({ bounding: ALL_CAPABILITIES, effective: ALL_CAPABILITIES }),
  noNewPrivileges: false,
});

/** A capability set as `/proc/<pid>/status` prints it: 16 hex digits. */
export function capabilityHex(mask: bigint): string {
  return mask.toString(16).padStart(16, "0");
}
