/**
 * How the Docker driver can kill an exec'd command and everything it
 * started, although the engine has no kill for an exec.
 *
 * - Every exec runs under a one-line `sh` wrapper that prints its own pid on
 *   stdout, then `exec`s the command in place (same pid, same argv). The
 *   engine makes each exec's process a session leader, so that pid is also
 *   the session of everything the command starts. The driver strips the line
 *   before anyone sees the output.
 * - Every exec also carries a random marker in its environment
 *   ({@link EXEC_MARKER_VARIABLE}), which its descendants inherit, also those
 *   that leave the session (`setsid`, daemons).
 * - To kill, the driver runs a second exec, as the same user (a user may
 *   signal its own processes without any capability), that SIGKILLs every
 *   live process in that session, every process whose environment carries
 *   the marker, and every process in the session of a marked one, and scans
 *   again until none is left.
 *
 * The normal path costs only the wrapper (one `sh` that replaces itself);
 * the second exec runs only on a timeout or an abort. A process that leaves
 * the session *and* replaces its environment (`setsid env -i ...`) escapes.
 *
 * @module
 */

/**
 * The environment variable whose value marks an exec's processes. Set by the
 * driver on every exec (a value given in the request's `env` is replaced).
 */
export const EXEC_MARKER_VARIABLE = "OPENAGENT_EXEC_ID";

/**
 * The wrapper: prints the pid (= session id) of the shell on a line of its
 * own, then becomes the command. `--` so a command starting with `-` is not
 * read as an option of `exec`; a program that does not exist ends with the
 * shell's 127, one that cannot be executed with 126.
 */
const WRAPPER_SCRIPT = 'echo "$$"; exec -- "$@"';

/**
 * The engine's argv for `command` under the wrapper.
 *
 * @example
 * ```ts
 * wrapCommand(["make", "test"]); // ["/bin/sh", "-c", 'echo "$$"; exec -- "$@"', "sh", "make", "test"]
 * ```
 */
export function wrapCommand(command: readonly string[]): string[] {
  return ["/bin/sh", "-c", WRAPPER_SCRIPT, "sh", ...command];
}

/** The longest header line the wrapper prints (a pid and a newline), in bytes, with room to spare. */
const MAX_HEADER_BYTES = 24;

/**
 * What {@link SessionHeader.push} makes of the stream's first bytes: still
 * waiting (`pending`), the wrapper's pid with the bytes after its line
 * (`found`), or no header at all (`absent`: the wrapper never ran; the bytes
 * are the engine's own message, such as "unable to find user").
 */
export type HeaderOutcome =
  | { readonly kind: "pending" }
  | { readonly kind: "found"; readonly session: number; readonly rest: Buffer }
  | { readonly kind: "absent"; readonly bytes: Buffer };

/**
 * Reads the wrapper's line from the start of stdout, which may arrive in
 * pieces; after an outcome other than `pending`, feed it no more.
 *
 * @example
 * ```ts
 * const header = new SessionHeader();
 * header.push(Buffer.from("4")); // { kind: "pending" }
 * header.push(Buffer.from("2\nhi\n")); // { kind: "found", session: 42, rest: <"hi\n"> }
 * ```
 */
export class SessionHeader {
  #seen: Buffer = Buffer.alloc(0);

  /** Feed the next stdout bytes. */
  push(bytes: Buffer): HeaderOutcome {
    this.#seen = this.#seen.length === 0 ? bytes : Buffer.concat([this.#seen, bytes]);
    const newline = this.#seen.indexOf(0x0a);
    if (newline === -1) {
      return this.#seen.length > MAX_HEADER_BYTES || !/^[0-9]*$/.test(this.#seen.toString("latin1"))
        ? { kind: "absent", bytes: this.#seen }
        : { kind: "pending" };
    }
    const line = this.#seen.toString("latin1", 0, newline);
    const session = Number(line);
    if (!/^[1-9][0-9]*$/.test(line) || !Number.isSafeInteger(session)) return { kind: "absent", bytes: this.#seen };
    return { kind: "found", session, rest: this.#seen.subarray(newline + 1) };
  }
}

/**
 * The killer. Arguments: the session (a pid, or `none`) and the marker
 * (`NAME=value`). Each round lists the processes whose environment holds the
 * marker (`grep -z`, one process for all of them), adds their sessions to the
 * one given, and SIGKILLs every live process in those sessions or marked;
 * zombies are dead already and its own session is skipped. It ends 0 when a
 * round finds nothing, or 1 with the survivors after 100 rounds.
 */
const KILL_SCRIPT = `session=$1 marker=$2 own=$$ round=0
while :; do
  marked=" $(grep -lzx -e "$marker" /proc/[0-9]*/environ 2>/dev/null | tr '\\n' ' ') "
  sessions=" $session " targets=""
  for pass in 1 2; do
    for dir in /proc/[0-9]*; do
      read -r line 2>/dev/null < "$dir/stat" || continue
      set -- \${line##*) }
      if [ "$1" = Z ] || [ "$4" = "$own" ]; then continue; fi
      case "$marked" in *" $dir/environ "*) is_marked=1 ;; *) is_marked= ;; esac
      if [ $pass = 1 ]; then
        [ -n "$is_marked" ] && sessions="$sessions$4 "
      else
        case "$sessions" in *" $4 "*) is_marked=1 ;; esac
        [ -n "$is_marked" ] && targets="$targets \${dir#/proc/}"
      fi
    done
  done
  [ -z "$targets" ] && exit 0
  round=$((round + 1))
  if [ $round -gt 100 ]; then echo "still alive after 100 rounds:$targets"; exit 1; fi
  kill -s KILL $targets 2>/dev/null
  sleep 0.02 2>/dev/null
done`;

/**
 * The engine's argv of the second exec that kills an exec: its session when
 * the wrapper's header arrived (else only the marked processes and their
 * sessions), and its marker.
 *
 * @example
 * ```ts
 * killCommand(42, "0123456789abcdef"); // ["/bin/sh", "-c", KILL_SCRIPT, "sh", "42", "OPENAGENT_EXEC_ID=0123456789abcdef"]
 * ```
 */
export function killCommand(session: number | undefined, marker: string): string[] {
  return ["/bin/sh", "-c", KILL_SCRIPT, "sh", session === undefined ? "none" : String(session), markerEntry(marker)];
}

/** The marker as an environment entry, `OPENAGENT_EXEC_ID=<marker>`. */
export function markerEntry(marker: string): string {
  return `${EXEC_MARKER_VARIABLE}=${marker}`;
}
