/**
 * Changing the markers in a container's engine name (stopped, moved expiry;
 * see labels.ts) without losing another writer's change. Two driver
 * instances on one namespace may change one container's name at once (one
 * stops it, the other moves its expiry), and the engine's rename has no
 * compare-and-set. Renaming through the current name
 * (`POST /containers/<current name>/rename`) comes close: when another
 * rename got there first, the engine no longer knows the old name (404), and
 * the change is made again on the name as it now is.
 *
 * Close, not there: the engine resolves the old name first and then
 * renames whatever the container is called once it holds its lock, so two
 * renames that resolve the same name at the same moment can still replace
 * one another's marker; and a keyed container's created name is free while
 * a marker is appended, so a newer duplicate may hold it for a moment (it
 * removes itself; see idempotency.ts) and a rename through that name would
 * rename the duplicate. So each rename is read back by id, and the change
 * made again until the name shows it, read once a racing rename has had
 * time to land ({@link SETTLE_MS}).
 *
 * Made again only while it was lost, not while it was overruled: a start
 * (unmark) and a stop (mark) of two instances legitimately flip one marker,
 * and redoing ours would undo the other's later operation (a stop whose
 * marker a start took off again leaves an `exited` container, read as a
 * crash), and two such loops fought until one gave up. A read-back that
 * shows, after our wanted name was in place, exactly the name we renamed
 * from was renamed back by an operation that saw ours (a rename that lost
 * ours was computed from the name before it, so it changed another marker
 * too): that later operation wins, and ours is done.
 *
 * @module
 */
import type Docker from "dockerode";
import { toDriverError } from "../../../src/index.js";
import { type EngineScope, engineMessage, statusCodeOf } from "./engine-call.js";
import { type EngineNameParts, engineNameParts, formatEngineName } from "./labels.js";

/** How often a change is tried again after another writer's rename got in between. */
const MAX_RENAME_ROUNDS = 6;
/**
 * How long a rename that raced ours may take to land after ours answered,
 * in ms: it waits only for the container's lock, which the engine holds for
 * a millisecond or two; twenty leaves room for a loaded engine.
 */
const SETTLE_MS = 20;
/** The pause before trying a name a keyed duplicate holds again, times the round, in ms. */
const TAKEN_PAUSE_MS = 25;

/**
 * What the engine said to one rename: done; the container already had the
 * wanted name (a concurrent identical change); the name changed meanwhile;
 * or another container holds the wanted name.
 */
type RenameOutcome = "renamed" | "already" | "moved" | "taken";
/** The engine's 400 when the container already has the wanted name; any other 400 is a real failure. */
const SAME_NAME = /same name as its current name/;

/**
 * Apply `change` to the markers of container `id`'s engine name, starting
 * from `info` (its inspect data), through the current name, read back. Resolves
 * once the name shows the change (at once when it already does); rejects
 * with `ContainerNotFoundError` when the container is gone, or with the
 * engine's mapped error (the operation's own failure error when other
 * writers kept renaming it).
 *
 * @example
 * ```ts
 * await changeEngineName(scope, id, info, (parts) => ({ ...parts, stopped: true }), "stopContainer");
 * ```
 */
export async function changeEngineName(
  scope: EngineScope,
  id: string,
  info: Docker.ContainerInspectInfo,
  change: (parts: EngineNameParts) => EngineNameParts,
  operation: string,
): Promise<void> {
  const context = { operation, containerId: id };
  const labels = info.Config.Labels ?? {};
  const wantedFor = (name: string) => formatEngineName(change(engineNameParts(name, labels)));
  let current = info.Name.replace(/^\//, "");
  for (let round = 0; round < MAX_RENAME_ROUNDS; round++) {
    const wanted = wantedFor(current);
    if (wanted === current) return;
    const from = current;
    const outcome = await scope.calls.call(context, (signal) =>
      scope.docker
        .getContainer(from)
        .rename({ name: wanted, abortSignal: signal })
        .then(
          (): RenameOutcome => "renamed",
          (error: unknown): RenameOutcome => {
            const status = statusCodeOf(error);
            // 404: renamed by someone else meanwhile. 409: the wanted name is held (by a keyed duplicate about
            // to remove itself). 400: the engine found the wanted name already (a concurrent identical change).
            if (status === 404) return "moved";
            if (status === 409) return "taken";
            if (status === 400 && SAME_NAME.test(engineMessage(error))) return "already";
            throw error;
          },
        ),
    );
    // Read back in every case, once a rename that raced ours has had time to land: the engine resolves the old
    // name and renames whatever the name is once it holds the container's lock, so a rename that resolved the
    // same name may land just after ours and replace our marker (or ours replaced its); the next round redoes it.
    await settle(outcome === "taken" ? TAKEN_PAUSE_MS * (round + 1) : SETTLE_MS);
    current = (await currentName(scope, id, context)).replace(/^\//, "");
    // Our wanted name was in place, and now the name we renamed from is back: overruled by a later operation.
    if ((outcome === "renamed" || outcome === "already") && current === from) return;
  }
  if (wantedFor(current) === current) return;
  // Other writers renamed it every time: the operation's own failure (retryable where the table says so).
  throw toDriverError(new Error(`the container's name kept changing during ${MAX_RENAME_ROUNDS} renames`), context);
}

/**
 * {@link changeEngineName}, ignoring every failure: for the paths where the
 * container is on its way out anyway, or the engine is gone.
 */
export async function changeEngineNameQuietly(
  scope: EngineScope,
  id: string,
  info: Docker.ContainerInspectInfo,
  change: (parts: EngineNameParts) => EngineNameParts,
  operation: string,
): Promise<void> {
  try {
    await changeEngineName(scope, id, info, change, operation);
  } catch {
    // Gone, or the engine is: nothing more can be done here.
  }
}

async function currentName(
  scope: EngineScope,
  id: string,
  context: { operation: string; containerId: string },
): Promise<string> {
  const info = await scope.calls.call(context, (signal) =>
    scope.docker.getContainer(id).inspect({ abortSignal: signal }),
  );
  return info.Name;
}

/**
 * Wait `ms` of real time: the engine's pace, not the driver's time, so not
 * the driver's clock (a manual one in tests would never move on).
 */
function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
