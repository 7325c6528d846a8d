/**
 * Changing the markers in a container's engine name (stopped, moved expiry;
 * see labels.ts) without losing another writer's change. Two driver
 * instances on one namespace may change one container's name at once (one
 * stops it, the other moves its expiry), and the engine's rename has no
 * compare-and-set. Renaming through the current name
 * (`POST /containers/<current name>/rename`) is one: when another rename got
 * there first, the engine no longer knows the old name (404), and the change
 * is made again on the name as it now is, so neither marker is lost.
 *
 * One case needs more: a keyed container's created name is free while a
 * marker is appended, and a newer duplicate may take it for a moment (it
 * removes itself; see idempotency.ts). A rename through that name would
 * rename the duplicate, so for keyed containers the result is read back by
 * id and the change made again when it did not land.
 *
 * @module
 */
import type Docker from "dockerode";
import { toDriverError } from "../../../src/index.js";
import { type EngineScope, statusCodeOf } from "./engine-call.js";
import { type EngineNameParts, engineNameParts, formatEngineName, OWNER_LABELS } from "./labels.js";

/** How often a change is tried again after another writer's rename got in between. */
const MAX_RENAME_ROUNDS = 6;

/** What the engine said to one rename. */
type RenameOutcome = "renamed" | "moved" | "taken";

/**
 * Apply `change` to the markers of container `id`'s engine name, starting
 * from `info` (its inspect data), as a compare-and-set on the name. Resolves
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
  const keyed = labels[OWNER_LABELS.idempotencyKey] !== undefined;
  let current = info.Name.replace(/^\//, "");
  for (let round = 0; round < MAX_RENAME_ROUNDS; round++) {
    const wanted = formatEngineName(change(engineNameParts(current, labels)));
    if (wanted === current) return;
    const from = current;
    const outcome = await scope.calls.call(context, (signal) =>
      scope.docker
        .getContainer(from)
        .rename({ name: wanted, abortSignal: signal })
        .then(
          (): RenameOutcome => "renamed",
          (error: unknown): RenameOutcome => {
            if (statusCodeOf(error) === 404) return "moved";
            // The wanted name is held by a keyed duplicate that is about to remove itself.
            if (statusCodeOf(error) === 409 && keyed) return "taken";
            throw error;
          },
        ),
    );
    if (outcome === "renamed" && !keyed) return;
    if (outcome === "taken") await scope.clock.sleep(25 * (round + 1));
    current = (await currentName(scope, id, context)).replace(/^\//, "");
  }
  const wanted = formatEngineName(change(engineNameParts(current, labels)));
  if (wanted === current) return;
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
