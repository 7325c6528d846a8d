/**
 * The manager pool's failover, against small HTTP servers on unix sockets
 * that stand in for managers: a manager whose socket is gone or refuses is
 * skipped within the same call; one that answers 503 (no leader) fails that
 * call with a retryable error and the next call starts at the next manager;
 * a manager that answered stays preferred.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRetryableError, NetworkError, toDriverError } from "../../../src/index.js";
import { ManagerPool } from "../src/managers.js";

const directory = mkdtempSync(join(tmpdir(), "swarm-managers-"));
const servers: Server[] = [];
/** Which fake manager answered each request, in order. */
const answered: string[] = [];

function fakeManager(name: string, status: () => number): string {
  const socketPath = join(directory, `${name}.sock`);
  const server = createServer((request, response) => {
    answered.push(name);
    const code = status();
    response.writeHead(code, { "Content-Type": "application/json" });
    response.end(JSON.stringify(code === 200 ? { ID: name } : { message: "The swarm does not have a leader." }));
    request.resume();
  });
  servers.push(server);
  server.listen(socketPath);
  return socketPath;
}

let leaderless = true;
const missing = join(directory, "gone.sock");
const refusing = join(directory, "refusing.sock");
let electing: string;
let healthy: string;

beforeAll(async () => {
  // A socket file nobody listens on: connect refuses (a SIGKILLed dockerd leaves exactly this).
  writeFileSync(refusing, "");
  electing = fakeManager("electing", () => (leaderless ? 503 : 200));
  healthy = fakeManager("healthy", () => 200);
  await Promise.all(
    servers.map(
      (server) => new Promise((resolve) => (server.listening ? resolve(undefined) : server.once("listening", resolve))),
    ),
  );
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(directory, { recursive: true, force: true });
});

describe("ManagerPool", () => {
  it("skips managers that cannot be reached within the call, and keeps the one that answered", async () => {
    answered.length = 0;
    const pool = new ManagerPool([missing, refusing, healthy]);
    expect(await pool.docker.getService("x").inspect()).toEqual({ ID: "healthy" });
    expect(pool.current()).toBe(healthy);
    expect(await pool.docker.getService("x").inspect()).toEqual({ ID: "healthy" });
    expect(answered).toEqual(["healthy", "healthy"]);
  });

  it("returns a 503 as a retryable error and moves the next call to the next manager", async () => {
    answered.length = 0;
    leaderless = true;
    const pool = new ManagerPool([electing, healthy]);
    const failure = await pool.docker
      .getService("x")
      .inspect()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    const mapped = toDriverError(failure, { operation: "getContainer", containerId: "x" });
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(isRetryableError(mapped)).toBe(true);
    expect(pool.current()).toBe(healthy);
    expect(await pool.docker.getService("x").inspect()).toEqual({ ID: "healthy" });
    expect(answered).toEqual(["electing", "healthy"]);
  });

  it("fails with a retryable NetworkError that says nothing was sent when no manager can be reached", async () => {
    const pool = new ManagerPool([missing, refusing]);
    const failure = await pool.docker.listServices().then(
      () => undefined,
      (error: unknown) => error,
    );
    const mapped = toDriverError(failure, { operation: "listContainers" });
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped.context.requestSent).toBe(false);
  });

  it("needs at least one socket", () => {
    expect(() => new ManagerPool([])).toThrow(RangeError);
  });
});
