/**
 * Builds each oversized input named on the command line (see
 * oversized-inputs.ts), validates it every way the package offers, and
 * prints what happened as one JSON line per input. Run in a child process
 * with a heap limit by input-limits.test.ts, so an input that still exhausts
 * memory kills the child, not the test runner, and the missing line names it.
 */
import {
  ConfigurationError,
  containerConfigIssues,
  parseContainerConfig,
  validateContainerConfig,
} from "../../src/index.js";
import { OVERSIZED_SHAPES } from "./oversized-inputs.js";

for (const name of process.argv.slice(2)) {
  const shape = OVERSIZED_SHAPES[name];
  if (shape === undefined) throw new Error(`unknown shape '${name}'`);
  const built = shape.build();
  const input: unknown = typeof built === "string" ? JSON.parse(built) : built;
  let error: unknown;
  try {
    parseContainerConfig(input);
  } catch (caught) {
    error = caught;
  }
  const issues = error instanceof ConfigurationError ? error.issues : [];
  process.stdout.write(
    `${JSON.stringify({
      name,
      thrown: error instanceof Error ? error.name : typeof error,
      configurationError: error instanceof ConfigurationError,
      message: error instanceof Error ? error.message.slice(0, 2_000) : "",
      messageLength: error instanceof Error ? error.message.length : 0,
      issues,
      issuesAgree: JSON.stringify(containerConfigIssues(input)) === JSON.stringify(issues),
      valid: validateContainerConfig(input),
    })}\n`,
  );
}
