/**
 * A process that owns a Docker driver and its containers, for the test that
 * kills it: `node --import tsx expiring-owner.ts <socket> <namespace> <ttl,ttl,...>`.
 * It creates and starts one container per TTL (in ms), writes one JSON line
 * per container (`{"id","ttlMs","expiresAt"}`), then `ready`, and waits to be killed.
 *
 * Its driver's engine client never answers a container list, so its own
 * sweeper removes nothing however long the setup takes on a loaded machine:
 * what the test sees removed, the new driver removed.
 */
import Docker from "dockerode";
import { createDriverConfig } from "../../../../src/index.js";
import { DockerDriver } from "../../src/driver.js";

const [socketPath, namespace, ttls] = process.argv.slice(2);
if (socketPath === undefined || namespace === undefined || ttls === undefined) {
  process.stderr.write("usage: expiring-owner.ts <socket> <namespace> <ttl,ttl,...>\n");
  process.exit(2);
}
const real = new Docker({ socketPath });
const withoutLists = new Proxy(real, {
  get(object, key, receiver) {
    if (key === "listContainers") return () => new Promise(() => undefined);
    return Reflect.get(object, key, receiver);
  },
});
const driver = new DockerDriver({ socketPath, namespace, docker: withoutLists });
const command = ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.2; done"];
const containers = await Promise.all(
  ttls.split(",").map((ttl, index) =>
    driver.createContainer(
      createDriverConfig({
        sessionId: `owner-${index}`,
        image: "openagent-test/busybox:latest",
        command,
        ttlMs: Number(ttl),
      }),
    ),
  ),
);
await Promise.all(containers.map((container) => driver.startContainer(container.id)));
for (const container of containers) {
  process.stdout.write(
    `${JSON.stringify({ id: container.id, ttlMs: container.expiresAt === undefined ? null : container.expiresAt - container.createdAt, expiresAt: container.expiresAt })}\n`,
  );
}
process.stdout.write("ready\n");
// Held until killed: a live timer keeps the process (and its driver) up.
setInterval(() => undefined, 60_000);
