/**
 * The marker rename loop (container-name.ts) against a fake engine whose
 * rename answers as the engine's does (404 for a name it no longer knows,
 * 400 for the name the container already has), with a rival writer that
 * renames right after each of ours lands: a second driver instance's stop
 * overrules a start's unmark (the loop yields instead of undoing it, as it
 * did until both loops gave up); a rival that lost our marker by renaming
 * the name before ours gets it redone; a 400 of another kind is a failure.
 */
import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { ConfigurationError, systemClock } from "../../../src/index.js";
import { changeEngineName } from "../src/container-name.js";
import { EngineCalls, type EngineScope } from "../src/engine-call.js";
import { type EngineNameParts, OWNER_LABELS } from "../src/labels.js";

const ID = "a".repeat(64);
const BASE = "oa-ns-s1-0a1b2c3d";
const LABELS = { [OWNER_LABELS.name]: BASE };

const markStopped = (parts: EngineNameParts): EngineNameParts => ({ ...parts, stopped: true });
const unmarkStopped = (parts: EngineNameParts): EngineNameParts => ({ ...parts, stopped: false });

/** One container's name, renamed as the engine does; `rival` renames after each rename of ours lands. */
class FakeEngine {
  name: string;
  readonly renames: string[] = [];
  rival: ((engine: FakeEngine, from: string) => void) | undefined;

  constructor(name: string) {
    this.name = name;
  }

  info(): Docker.ContainerInspectInfo {
    return { Id: ID, Name: `/${this.name}`, Config: { Labels: LABELS } } as unknown as Docker.ContainerInspectInfo;
  }

  scope(): EngineScope {
    const docker = {
      getContainer: (reference: string) => ({
        inspect: async () => this.info(),
        rename: async ({ name }: { name: string }) => {
          if (reference !== ID && reference !== this.name) throw engineError(404, `No such container: ${reference}`);
          if (name === this.name) {
            throw engineError(400, "Renaming a container with the same name as its current name");
          }
          if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name)) throw engineError(400, `Invalid container name (${name})`);
          const from = this.name;
          this.name = name;
          this.renames.push(name);
          this.rival?.(this, from);
        },
      }),
    } as unknown as Docker;
    const calls = new EngineCalls({
      driver: "docker",
      timeoutMs: 5_000,
      retry: { maxAttempts: 1 },
      clock: systemClock,
    });
    return { docker, calls, driver: "docker", namespace: "ns", clock: systemClock };
  }
}

function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), { statusCode, json: { message } });
}

describe("changeEngineName", () => {
  it("yields to another instance's later opposite marker instead of undoing it", async () => {
    const engine = new FakeEngine(`${BASE}.stopped`);
    // The other instance's stop saw our unmarked name and marked it again, every time.
    engine.rival = (fake, from) => {
      if (from.endsWith(".stopped")) fake.name = `${BASE}.stopped`;
    };
    await changeEngineName(engine.scope(), ID, engine.info(), unmarkStopped, "startContainer");
    // One rename of ours; the stop's marker stays (undoing it would leave a stopped container unmarked: `exited`).
    expect(engine.renames).toEqual([BASE]);
    expect(engine.name).toBe(`${BASE}.stopped`);
  });

  it("redoes a marker lost to a rename computed from the name before ours", async () => {
    const engine = new FakeEngine(BASE);
    // A rename that resolved the same name as ours and moved the expiry lands just after ours, once.
    engine.rival = (fake) => {
      fake.rival = undefined;
      fake.name = `${BASE}.expires-never`;
    };
    await changeEngineName(engine.scope(), ID, engine.info(), markStopped, "stopContainer");
    expect(engine.name).toBe(`${BASE}.expires-never.stopped`);
    expect(engine.renames).toEqual([`${BASE}.stopped`, `${BASE}.expires-never.stopped`]);
  });

  it("is done when another instance made the same change first", async () => {
    const engine = new FakeEngine(`${BASE}.stopped`);
    const stale = engine.info();
    engine.name = BASE;
    await changeEngineName(engine.scope(), ID, stale, unmarkStopped, "startContainer");
    expect(engine.renames).toEqual([]);
    expect(engine.name).toBe(BASE);
  });

  it("fails with the engine's error on a 400 other than the same name, without trying again", async () => {
    const engine = new FakeEngine(BASE);
    const invalid = (parts: EngineNameParts): EngineNameParts => ({ ...parts, base: "/bad name" });
    await expect(changeEngineName(engine.scope(), ID, engine.info(), invalid, "stopContainer")).rejects.toBeInstanceOf(
      ConfigurationError,
    );
    expect(engine.renames).toEqual([]);
  });

  it("gives up when other writers keep losing its marker", async () => {
    const engine = new FakeEngine(BASE);
    let moved = 0;
    // Every rename of ours is lost to one that moved the expiry from the name before it.
    engine.rival = (fake) => {
      moved += 1;
      fake.name = `${BASE}.expires-${moved}`;
    };
    await expect(changeEngineName(engine.scope(), ID, engine.info(), markStopped, "stopContainer")).rejects.toThrow(
      /kept changing during 6 renames/,
    );
    expect(engine.renames).toHaveLength(6);
  });
});
