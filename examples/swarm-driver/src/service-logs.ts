/**
 * A container's logs on a swarm: the logs of every task of its service that
 * still has a container, oldest task first, each read from the engine of the
 * node that ran it. A container started again runs a new task (Swarm never
 * restarts an ended one), so its log continues in the next task's container,
 * as a restarted Docker container's log continues in the same file; Swarm
 * keeps the last few tasks of a service (the swarm's task history limit,
 * 5 by default), and older runs' lines go with their tasks.
 *
 * The frames and lines are parsed by the Docker driver's parser
 * (log-stream.ts, which joins the partial messages of a long line) and
 * shaped by its bounded text (logs.ts: `since`, `tail`, `timestamps`,
 * `stream`, `maxBytes` with the truncation notice). Each task's log is read
 * whole from its node before it is parsed: a service's tasks are few and
 * their logs rotated (the Docker driver's default log config).
 *
 * @module
 */
import {
  ContainerNotFoundError,
  DEFAULT_LOG_MAX_BYTES,
  type ErrorMappingContext,
  type LogOptions,
} from "../../../src/index.js";
import type { EngineCalls } from "../../docker-driver/src/engine-call.js";
import { LogStreamParser, type ParsedLogLine } from "../../docker-driver/src/log-stream.js";
import { BoundedLogText } from "../../docker-driver/src/logs.js";
import { isLostNodeState, type NodeEngines } from "./nodes.js";
import { containerIdOf, type ServiceView } from "./service-status.js";

/**
 * The contract's log text of a service for validated `options` (without
 * `follow`: the caller waits first). Tasks on a node the managers report down
 * are skipped (their lines are out of reach until it returns); a node that
 * should answer and does not fails the read (retryable).
 *
 * @example
 * ```ts
 * const text = await readServiceLogs(calls, nodes, view, parseLogOptions({ tail: 10 }), context);
 * ```
 */
export async function readServiceLogs(
  calls: EngineCalls,
  nodes: NodeEngines,
  view: ServiceView,
  options: LogOptions,
  context: ErrorMappingContext,
): Promise<string> {
  const since = options.since === undefined ? 0 : Math.min(Math.floor(options.since / 1000), Number.MAX_SAFE_INTEGER);
  const { stream = "all" } = options;
  const maxChars = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  const perTask = await Promise.all(
    view.tasks.map(async (task): Promise<ParsedLogLine[]> => {
      const containerId = containerIdOf(task);
      const nodeId = task.NodeID;
      if (containerId === undefined || nodeId === undefined || nodeId === "") return [];
      if (isLostNodeState(view.nodeStates.get(nodeId)?.state)) return [];
      const node = await nodes.node(nodeId, context);
      try {
        const raw = await calls.call(context, (signal) =>
          node.docker.getContainer(containerId).logs({
            follow: false,
            stdout: stream !== "stderr",
            stderr: stream !== "stdout",
            timestamps: true,
            // Whole seconds, rounded down: a superset that the filter below trims to the millisecond.
            since,
            abortSignal: signal,
          }),
        );
        const lines: ParsedLogLine[] = [];
        const parser = new LogStreamParser({
          onLine: (line) => lines.push(line),
          maxLineChars: Math.max(maxChars, 65_536),
        });
        parser.push(raw);
        parser.finish();
        return lines;
      } catch (error) {
        // The node removed the container of an old task (history pruned): its lines are gone.
        if (error instanceof ContainerNotFoundError) return [];
        throw error;
      }
    }),
  );
  const text = new BoundedLogText({ maxChars, tail: options.tail, timestamps: options.timestamps === true });
  for (const line of perTask.flat()) {
    if (options.since === undefined || Number.isNaN(line.time) || line.time >= options.since) text.add(line);
  }
  if (options.onLine !== undefined) {
    for (const line of text.lines()) options.onLine({ stream: line.stream, line: line.text, time: line.time });
  }
  return text.finish();
}
