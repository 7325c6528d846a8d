/**
 * The managers of a swarm as one Engine API client that fails over.
 *
 * Every manager answers the whole cluster's API (services, tasks, nodes,
 * networks), so the driver talks to one of them at a time and moves on when
 * it cannot: a request whose connection was never made (the socket refuses
 * or is gone: that manager's dockerd is down) goes to the next manager
 * within the same call, because it certainly had no effect; an answer that
 * says the manager cannot serve (HTTP 503: no leader during an election, or
 * no longer a manager) and a connection that died mid-request are returned
 * as they are (retryable errors, mapped by the caller), and the next call
 * starts at the next manager. A manager that answered stays the preferred
 * one, so a healthy cluster sees no extra calls.
 *
 * @module
 */
import Docker from "dockerode";
import { mayHaveTakenEffect, toDriverError } from "../../../src/index.js";
import { statusCodeOf } from "../../docker-driver/src/engine-call.js";

/** What a dockerode client dials through: the one method of docker-modem every call uses. */
type Dialer = Pick<Docker["modem"], "dial">;
type DialOptions = Parameters<Dialer["dial"]>[0];
type DialCallback = NonNullable<Parameters<Dialer["dial"]>[1]>;

/** Errors of a connection that was made and then died: the request may have been received. */
const BROKEN_CONNECTION = /ECONNRESET|EPIPE|socket hang up|premature close/i;

/** Whether `error` shows that the request never reached the manager (nothing was done). */
function neverSent(error: unknown): boolean {
  return !mayHaveTakenEffect(toDriverError(error, { operation: "swarmManager" }));
}

/**
 * The swarm's managers, reached through one dockerode client ({@link ManagerPool.docker})
 * that fails over between them.
 *
 * @example
 * ```ts
 * const managers = new ManagerPool(["/run/swarm/node1/docker.sock", "/run/swarm/node2/docker.sock"]);
 * await managers.docker.listNetworks(); // node1, or node2 when node1's dockerd is down
 * ```
 */
export class ManagerPool {
  /** The managers' Engine API sockets, in the order they are tried first. */
  readonly sockets: readonly string[];
  /** A dockerode client whose every call goes to a manager that answers. */
  readonly docker: Docker;
  readonly #dialers: readonly Dialer[];
  #preferred = 0;

  constructor(sockets: readonly string[]) {
    if (sockets.length === 0) throw new RangeError("a manager pool needs at least one socket");
    this.sockets = Object.freeze([...sockets]);
    this.#dialers = this.sockets.map((socketPath) => new Docker({ socketPath }).modem);
    const modem: Dialer & { Promise: PromiseConstructor } = {
      Promise,
      dial: (options, callback) => this.#dial(options, callback),
    };
    this.docker = new Docker({ modem } as unknown as Docker.DockerOptions);
  }

  /** The socket of the manager the next call goes to first. */
  current(): string {
    return this.sockets[this.#preferred] ?? this.sockets[0] ?? "";
  }

  #dial(options: DialOptions, callback: DialCallback | undefined, first = this.#preferred, tried = 0): void {
    const count = this.#dialers.length;
    const index = (first + tried) % count;
    const dialer = this.#dialers[index] as Dialer;
    dialer.dial(options, (error, data) => {
      if (error === null) {
        this.#preferred = index;
        callback?.(null, data);
        return;
      }
      if (neverSent(error) && tried + 1 < count && options.abortSignal?.aborted !== true) {
        // Certainly not received: the same request, unchanged, to the next manager.
        this.#dial(options, callback, first, tried + 1);
        return;
      }
      if (neverSent(error) || statusCodeOf(error) === 503 || BROKEN_CONNECTION.test(String(error.message))) {
        this.#preferred = (index + 1) % count;
      }
      callback?.(error, data);
    });
  }
}
