/**
 * Idempotent creates: every create with one `idempotencyKey` in one
 * namespace returns the same container, also when creates race, in one
 * process or in several driver instances, and also after a create whose
 * answer was lost (its retry adopts what it made).
 *
 * The key is kept in the engine twice. As a label (`org.openagent.idempotency-key`,
 * with the fingerprint of the config beside it), so a list by label finds
 * the key's containers whatever their name; and as the container's name
 * (`oa-<namespace>-key-<key>`), so the engine itself refuses a second
 * container while the first holds the name (409). The name alone is not
 * enough: the markers the driver appends to a name (stopped, moved expiry)
 * free it, and then a create gets through. Hence, after a create, a
 * reconcile: list by the key label; when more than one container carries
 * the key, the oldest (by the engine's creation time to the nanosecond, then
 * id: every racer reads the same order) wins, the newer ones are removed,
 * and the create returns the winner.
 *
 * Every interleaving, and why it ends with one container:
 *
 * 1. Sequential creates: the second's first list finds the first container
 *    and returns it (after comparing fingerprints). No engine create.
 * 2. Racing creates, name free: both lists are empty; both create under the
 *    same name; the engine accepts one and refuses the other (409); the
 *    refused one lists again, finds the accepted one and returns it.
 * 3. The key's container carries a marker (stopped, moved expiry), so its
 *    name is free: a create's first list finds it, as in 1. If the marker
 *    was appended between a racer's list and its create, the racer's create
 *    succeeds under the free name, its reconcile list shows both, the
 *    marked one is older, so the racer removes its own and returns the
 *    older one. A third racer meanwhile gets 409 (the newer holds the name)
 *    or creates after the removal: the same reconcile.
 * 4. A create's answer is lost (engine crash, timeout): the container may
 *    exist. Nothing removes it (unlike an unkeyed create, see orphans.ts):
 *    the caller's retry (`withPolicies` retries keyed creates) finds it by
 *    the label and returns it, as in 1.
 * 5. A racer dies between its create and its reconcile: its container stays
 *    as a duplicate, never returned to anyone (it is newer); the next keyed
 *    create's reconcile removes it.
 * 6. The key's container is removed (or swept) meanwhile: a list finds
 *    nothing, or an inspect finds it gone; the create starts over (a few
 *    rounds at most) and makes a new container.
 * 7. Same key, another config: the winner's fingerprint differs, so
 *    `IdempotencyConflictError` (not retryable), after removing the
 *    container this create made, if any.
 *
 * Two containers carry one key only while a marker had freed the name; the
 * winner is then always the marked, older one, created and listed long
 * before, so no racer can see a younger winner than another.
 *
 * @module
 */
import { createHash } from "node:crypto";
import type Docker from "dockerode";
import {
  type ContainerConfig,
  ContainerCreationError,
  ContainerNotFoundError,
  type ErrorMappingContext,
  IdempotencyConflictError,
  mountTypeOf,
} from "../../../src/index.js";
import type { EngineScope } from "./engine-call.js";
import { keyedContainerName, OWNER_LABELS, ownerLabelFilter } from "./labels.js";
import type { DockerContainerInstance } from "./mapping.js";

/** How many times a keyed create starts over when the key's container changed under it. */
const MAX_ROUNDS = 6;

/**
 * The fingerprint of a parsed config: SHA-256 (hex) of its canonical JSON
 * (keys sorted, bytes as base64, an empty command as none, each mount with
 * its type and read-only flag spelled out). Every field the caller controls
 * counts, the key itself and `ttlMs` included: the same key with anything
 * else different is a conflict, not the same container.
 *
 * @example
 * ```ts
 * configFingerprint(config) === configFingerprint(structuredClone(config)); // true
 * ```
 */
export function configFingerprint(config: ContainerConfig): string {
  const normalised = {
    ...config,
    command: config.command === undefined || config.command.length === 0 ? undefined : config.command,
    volumes: config.volumes.map((mount) => ({ ...mount, type: mountTypeOf(mount), readOnly: mount.readOnly === true })),
    stdin: config.stdin === undefined ? undefined : Buffer.from(config.stdin).toString("base64"),
  };
  return createHash("sha256").update(canonicalJson(normalised)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (value instanceof Uint8Array) return JSON.stringify({ bytes: Buffer.from(value).toString("base64") });
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The engine work a keyed create delegates to the create path of container-create.ts. */
export type KeyedCreateSteps = {
  /** Create the container under `name` (labels included); its id, or `undefined` when the engine says the name is taken. */
  readonly create: (name: string) => Promise<string | undefined>;
  /** The contract's view of a container, by id. */
  readonly instance: (id: string) => Promise<DockerContainerInstance>;
};

/**
 * Create the container of `config` (which has an `idempotencyKey`), or
 * return the one the key already names; see the module comment.
 * `IdempotencyConflictError` when that one was created from another config.
 *
 * @example
 * ```ts
 * const instance = await createWithKey(scope, config, configFingerprint(config), steps);
 * ```
 */
export async function createWithKey(
  scope: EngineScope,
  config: ContainerConfig & { readonly idempotencyKey: string },
  fingerprint: string,
  steps: KeyedCreateSteps,
): Promise<DockerContainerInstance> {
  const key = config.idempotencyKey;
  const context: ErrorMappingContext = { operation: "createContainer" };
  const name = keyedContainerName(scope.namespace, key);
  let nameTaken = false;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let winner = await oldestHolder(scope, key, context);
    if (winner === undefined) {
      const created = await steps.create(name);
      nameTaken = created === undefined;
      if (created === undefined) {
        // A racer holds the name: its container shows in the next list. Real time: the engine's pace.
        await new Promise((resolve) => setTimeout(resolve, 20 * (round + 1)));
        continue;
      }
      winner = await oldestHolder(scope, key, context);
      if (winner === undefined) continue;
    }
    if (winner.fingerprint !== fingerprint) throw new IdempotencyConflictError(key, winner.id, { context });
    try {
      return await steps.instance(winner.id);
    } catch (error) {
      if (!(error instanceof ContainerNotFoundError)) throw error;
    }
  }
  throw new ContainerCreationError(
    nameTaken
      ? `the name '${name}' of idempotency key '${key}' is held by a container of no driver's namespace: remove or rename it`
      : `the container of idempotency key '${key}' kept disappearing during ${MAX_ROUNDS} attempts`,
    { idempotencyKey: key },
    { context },
  );
}

/** A container that carries the key: its id and the fingerprint it was created with. */
type Holder = { readonly id: string; readonly fingerprint: string | undefined };

/**
 * The oldest container of the namespace that carries `key`, after removing
 * every newer one; `undefined` when none does.
 */
async function oldestHolder(
  scope: EngineScope,
  key: string,
  context: ErrorMappingContext,
): Promise<Holder | undefined> {
  const { calls, docker, driver, namespace } = scope;
  const label = [...ownerLabelFilter(driver, namespace), `${OWNER_LABELS.idempotencyKey}=${key}`];
  const summaries = (
    await calls.call(context, (signal) => docker.listContainers({ all: true, filters: { label }, abortSignal: signal }))
  ).filter((summary) => summary.State !== "removing");
  const [only] = summaries;
  if (only === undefined) return undefined;
  if (summaries.length === 1) return { id: only.Id, fingerprint: only.Labels[OWNER_LABELS.configFingerprint] };
  const infos = await Promise.all(summaries.map((summary) => inspectOrNull(scope, summary.Id, context)));
  const alive = infos.filter((info): info is Docker.ContainerInspectInfo => info !== null).sort(olderFirst);
  const [oldest, ...newer] = alive;
  await Promise.all(newer.map((info) => removeQuietly(scope, info.Id)));
  return oldest === undefined
    ? undefined
    : { id: oldest.Id, fingerprint: oldest.Config.Labels?.[OWNER_LABELS.configFingerprint] };
}

/** Older first: by the engine's creation time to the nanosecond, then by id. */
function olderFirst(a: Docker.ContainerInspectInfo, b: Docker.ContainerInspectInfo): number {
  const byTime = createdNanos(a.Created) - createdNanos(b.Created);
  if (byTime !== 0n) return byTime < 0n ? -1 : 1;
  return a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0;
}

/**
 * The engine's RFC 3339 creation time in ns since the epoch, exactly
 * (`Date.parse` keeps only ms, and the engine trims trailing zeros, so the
 * strings do not sort either); 0 when it does not parse.
 *
 * @example
 * ```ts
 * createdNanos("2024-05-01T10:00:00.1234567Z"); // 1714557600123456700n
 * ```
 */
export function createdNanos(created: string): bigint {
  const match = /^(.+T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(created);
  const seconds = match === null ? Number.NaN : Date.parse(`${match[1]}${match[3]}`) / 1000;
  if (match === null || !Number.isInteger(seconds)) return 0n;
  return BigInt(seconds) * 1_000_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
}

async function inspectOrNull(
  scope: EngineScope,
  id: string,
  context: ErrorMappingContext,
): Promise<Docker.ContainerInspectInfo | null> {
  try {
    return await scope.calls.call({ ...context, containerId: id }, (signal) =>
      scope.docker.getContainer(id).inspect({ abortSignal: signal }),
    );
  } catch (error) {
    if (error instanceof ContainerNotFoundError) return null;
    throw error;
  }
}

async function removeQuietly(scope: EngineScope, id: string): Promise<void> {
  try {
    await scope.docker.getContainer(id).remove({ force: true, v: true });
  } catch {
    // Gone already (its own create removed it), or the engine is: the next keyed create's reconcile tries again.
  }
}
