/**
 * A container's logs on a swarm: the logs of every task of its service that
 * still has a container, oldest task first, each read from the engine of the
 * node that ran it. A container started again runs a new task (Swarm never
 * restarts an ended one), so its log continues in the next task's container,
 * as a restarted Docker container's log continues in the same file; Swarm
 * keeps the last few tasks of a service (the swarm's task history limit,
 * 5 by default), and older runs' lines go with their tasks.
 *
 * The frames and lines are the Docker driver's parser (log-stream.ts), the
 * shaping (`tail`, `timestamps`, `maxBytes`) its bounded text (logs.ts);
 * `stream` picks what each node's engine sends, `since` is checked to the
 * millisecond here.
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
  const maxChars = options.maxBytes ?? DEFAULT_LOG_MAX_BYTES;
  const stream = options.stream ?? "all";
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
            // Whole seconds, rounded down: a superset that formatLogs trims.
            since,
            abortSignal: signal,
          }),
        );
        const lines: ParsedLogLine[] = [];
        const parser = new LogStreamParser({
          onLine: (line) => {
            if (options.since === undefined || Number.isNaN(line.time) || line.time >= options.since) lines.push(line);
          },
          maxLineChars: Math.max(maxChars, 65_536),
        });
        parser.push(raw as unknown as Uint8Array);
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
  for (const line of perTask.flat()) text.add(line);
  return text.finish();
}
