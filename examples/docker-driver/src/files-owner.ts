/**
 * Who owns what `writeFile` creates: the container's configured user, as
 * numbers. The engine writes an archive's entries with the uid and gid of
 * their headers, and its own option for "the container's user" looks the
 * name up in the host's `/etc/passwd`, not the container's. So the driver
 * reads the container's `/etc/passwd` and `/etc/group` itself and resolves
 * the user the way the runtime does when it starts the process (runc's
 * rules), so that the file belongs to exactly the uid and gid the process
 * runs as.
 *
 * @module
 */

/** A uid and gid. */
export type Owner = { readonly uid: number; readonly gid: number };

/** Root: the owner when the container names no user. */
export const ROOT_OWNER: Owner = Object.freeze({ uid: 0, gid: 0 });

/** The files the resolution reads, as text; `undefined` when the container has none. */
export type AccountFiles = { readonly passwd: string | undefined; readonly group: string | undefined };

/** Why a user cannot be resolved: its name is in neither file. */
export class UnknownUserError extends Error {
  override name = "UnknownUserError";
}

const NUMERIC = /^\d+$/;

/** The entries of a passwd- or group-style file: name, and the fields after the password. */
function entriesOf(text: string | undefined): string[][] {
  if (text === undefined) return [];
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => line.split(":"));
}

/**
 * The uid and gid the runtime runs `user` as (`""`, `name`, `uid`,
 * `name:group`, `uid:gid`, and mixes): a name is looked up in `/etc/passwd`;
 * a number is taken as it is, with the gid of its passwd entry, or 0 when it
 * has none (as runc does); a group is looked up in `/etc/group` unless it is
 * a number. Throws {@link UnknownUserError} for a name that is not there: the
 * runtime could not start the container's process either.
 *
 * @example
 * ```ts
 * resolveOwner("openagent", { passwd: "openagent:x:1000:1000::/home/openagent:/bin/sh\n", group: "" });
 * // { uid: 1000, gid: 1000 }
 * ```
 */
export function resolveOwner(user: string, files: AccountFiles): Owner {
  if (user === "") return ROOT_OWNER;
  const [userPart = "", groupPart] = user.split(":", 2);
  const passwd = entriesOf(files.passwd);
  const byName = passwd.find((fields) => fields[0] === userPart);
  const byId = NUMERIC.test(userPart) ? passwd.find((fields) => fields[2] === String(Number(userPart))) : undefined;
  let uid: number;
  let gid: number;
  if (NUMERIC.test(userPart)) {
    uid = Number(userPart);
    gid = byId === undefined ? 0 : Number(byId[3]);
  } else if (byName !== undefined) {
    uid = Number(byName[2]);
    gid = Number(byName[3]);
  } else {
    throw new UnknownUserError(`the user '${userPart}' is not in the container's /etc/passwd`);
  }
  if (groupPart !== undefined && groupPart !== "") {
    if (NUMERIC.test(groupPart)) {
      gid = Number(groupPart);
    } else {
      const group = entriesOf(files.group).find((fields) => fields[0] === groupPart);
      if (group === undefined)
        throw new UnknownUserError(`the group '${groupPart}' is not in the container's /etc/group`);
      gid = Number(group[2]);
    }
  }
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid) || uid < 0 || gid < 0) {
    throw new UnknownUserError(`the user '${user}' has an entry without a numeric uid or gid`);
  }
  return { uid, gid };
}

/** Whether resolving `user` needs the account files (a name, or a number whose passwd gid matters). */
export function needsAccountFiles(user: string): boolean {
  if (user === "") return false;
  const [userPart = "", groupPart] = user.split(":", 2);
  return !(NUMERIC.test(userPart) && groupPart !== undefined && NUMERIC.test(groupPart));
}
