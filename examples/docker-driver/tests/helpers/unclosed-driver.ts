/**
 * A process that uses a Docker driver and never closes it:
 * `node --import tsx unclosed-driver.ts <socket> <namespace>`. Its first call
 * starts the expiry sweeper (a 1 s interval); the process must still end on
 * its own once its work is done, as the sweeper's timer is `unref`ed.
 */
import { DockerDriver } from "../../src/driver.js";

const [socketPath, namespace] = process.argv.slice(2);
if (socketPath === undefined || namespace === undefined) {
  process.stderr.write("usage: unclosed-driver.ts <socket> <namespace>\n");
  process.exit(2);
}
const driver = new DockerDriver({ socketPath, namespace, expirySweepIntervalMs: 1_000 });
const health = await driver.healthCheck();
process.stdout.write(`${health.status}\n`);
