import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  AuthorizationError,
  ConfigurationError,
  ContainerCreationError,
  ContainerNotFoundError,
  ContainerRemoveError,
  ContainerStartError,
  ContainerStopError,
  DriverError,
  DriverHealthError,
  errorNameOfCode,
  FileSystemError,
  isRetryableError,
  NetworkCreationError,
  NetworkError,
  NetworkNotFoundError,
  NetworkRemoveError,
  TimeoutError,
  UNKNOWN_ERROR_CODE,
  UnexpectedError,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
} from "../../src/errors.js";
import {
  type ErrorMappingContext,
  mayHaveTakenEffect,
  REQUEST_SENT_CONTEXT_KEY,
  toDriverError,
} from "../../src/resilience/to-driver-error.js";
import { defaultShouldRetry } from "../../src/resilience/method-policy.js";

/** A Node system error as `net`/`fs` raise them. */
function systemError(code: string, syscall = "read"): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${syscall} ${code}`);
  error.code = code;
  error.syscall = syscall;
  return error;
}

/** An error as dockerode's modem raises it for an HTTP answer it does not accept. */
function httpError(statusCode: number, message = "engine says no"): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), {
    statusCode,
    reason: "unexpected",
    json: { message },
  });
}

type ErrorClass = abstract new (...args: never[]) => DriverError;

describe("toDriverError: Node errno codes", () => {
  const context: ErrorMappingContext = { operation: "startContainer", containerId: "c-1", driver: "docker" };
  const cases: ReadonlyArray<readonly [string, string, ErrorClass, boolean]> = [
    ["ECONNREFUSED", "connect", NetworkError, true],
    ["ECONNRESET", "read", NetworkError, true],
    ["EPIPE", "write", NetworkError, true],
    ["ETIMEDOUT", "read", NetworkError, true],
    ["EHOSTUNREACH", "connect", NetworkError, true],
    ["ENETUNREACH", "connect", NetworkError, true],
    ["ENOTFOUND", "getaddrinfo", NetworkError, true],
    ["EAI_AGAIN", "getaddrinfo", NetworkError, true],
    ["ECONNABORTED", "read", NetworkError, true],
    ["UND_ERR_SOCKET", "read", NetworkError, true],
    ["ERR_SOCKET_CONNECTION_TIMEOUT", "connect", NetworkError, true],
    ["ERR_STREAM_PREMATURE_CLOSE", "read", NetworkError, true],
    ["ENOENT", "open", FileSystemError, false],
    ["ENOSPC", "write", FileSystemError, false],
    ["EROFS", "open", FileSystemError, false],
    ["EACCES", "open", AuthorizationError, false],
    ["EPERM", "open", AuthorizationError, false],
  ];
  for (const [code, syscall, expected, retryable] of cases) {
    it(`${code} (${syscall}) becomes ${expected.name}, retryable ${retryable}`, () => {
      const original = systemError(code, syscall);
      const mapped = toDriverError(original, context);
      expect(mapped).toBeInstanceOf(expected);
      expect(mapped.retryable).toBe(retryable);
      expect(isRetryableError(mapped)).toBe(retryable);
      expect(mapped.cause).toBe(original);
      expect(mapped.context).toMatchObject({ ...context, errno: code, syscall });
      expect(mapped.message).toContain(code);
    });
  }

  it("ENOENT from connect (the engine socket is missing) is a NetworkError, not a FileSystemError", () => {
    const mapped = toDriverError(systemError("ENOENT", "connect"), context);
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped.context[REQUEST_SENT_CONTEXT_KEY]).toBe(false);
  });

  it("EACCES on the engine socket is an AuthorizationError", () => {
    expect(toDriverError(systemError("EACCES", "connect"), context)).toBeInstanceOf(AuthorizationError);
  });

  it("marks refused and unresolved connections as never sent, and resets as possibly sent", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "EAI_AGAIN"]) {
      const mapped = toDriverError(systemError(code, "connect"), context);
      expect(mapped.context[REQUEST_SENT_CONTEXT_KEY], code).toBe(false);
      expect(mayHaveTakenEffect(mapped), code).toBe(false);
    }
    for (const code of ["ECONNRESET", "EPIPE", "ETIMEDOUT"]) {
      const mapped = toDriverError(systemError(code, "read"), context);
      expect(mapped.context[REQUEST_SENT_CONTEXT_KEY], code).toBeUndefined();
      expect(mayHaveTakenEffect(mapped), code).toBe(true);
    }
  });

  it("finds the errno along the cause chain (fetch wraps socket errors)", () => {
    const wrapped = new TypeError("fetch failed", { cause: systemError("ECONNREFUSED", "connect") });
    const mapped = toDriverError(wrapped, context);
    expect(mapped).toBeInstanceOf(NetworkError);
    expect(mapped.cause).toBe(wrapped);
    expect(mapped.context.errno).toBe("ECONNREFUSED");
  });

  it("finds the errno inside an AggregateError (several addresses tried)", () => {
    const aggregate = new AggregateError([systemError("ECONNREFUSED", "connect")], "all failed");
    expect(toDriverError(aggregate, context)).toBeInstanceOf(NetworkError);
  });
});

describe("toDriverError: HTTP status codes", () => {
  type Case = readonly [number, ErrorMappingContext, ErrorClass];
  const cases: readonly Case[] = [
    [400, { operation: "createContainer" }, ConfigurationError],
    [422, { operation: "createVolume", volumeName: "v" }, ConfigurationError],
    [401, { operation: "listContainers" }, AuthenticationError],
    [403, { operation: "removeContainer", containerId: "c-1" }, AuthorizationError],
    // Docker answers 403 to removing a network that still has endpoints: a refused removal, not a permission.
    [403, { operation: "removeNetwork", networkId: "n-1" }, NetworkRemoveError],
    [403, { operation: "createNetwork", networkName: "n" }, AuthorizationError],
    [404, { operation: "startContainer", containerId: "c-1" }, ContainerNotFoundError],
    [404, { operation: "removeContainer", containerId: "c-1" }, ContainerNotFoundError],
    [404, { operation: "removeVolume", volumeId: "v-1" }, VolumeNotFoundError],
    [404, { operation: "removeNetwork", networkId: "n-1" }, NetworkNotFoundError],
    [404, { operation: "createContainer" }, ContainerCreationError],
    [409, { operation: "createContainer" }, ContainerCreationError],
    [409, { operation: "removeContainer", containerId: "c-1" }, ContainerRemoveError],
    [409, { operation: "startContainer", containerId: "c-1" }, ContainerStartError],
    [409, { operation: "stopContainer", containerId: "c-1" }, ContainerStopError],
    [409, { operation: "createVolume", volumeName: "v" }, VolumeCreationError],
    [409, { operation: "removeVolume", volumeId: "v-1" }, VolumeRemoveError],
    [409, { operation: "createNetwork", networkName: "n" }, NetworkCreationError],
    [409, { operation: "removeNetwork", networkId: "n-1" }, NetworkRemoveError],
    [500, { operation: "createContainer" }, ContainerCreationError],
    [500, { operation: "startContainer", containerId: "c-1" }, ContainerStartError],
    [500, { operation: "stopContainer", containerId: "c-1" }, ContainerStopError],
    [500, { operation: "createVolume", volumeName: "v" }, VolumeCreationError],
    [500, { operation: "createNetwork", networkName: "n" }, NetworkCreationError],
    [500, { operation: "removeContainer", containerId: "c-1" }, NetworkError],
    [503, { operation: "listContainers" }, NetworkError],
    [502, { operation: "getContainerLogs", containerId: "c-1" }, NetworkError],
    [408, { operation: "stopContainer", containerId: "c-1", timeoutMs: 5000 }, TimeoutError],
    [429, { operation: "listContainers" }, NetworkError],
    [418, { operation: "listContainers" }, ConfigurationError],
  ];
  for (const [status, context, expected] of cases) {
    it(`${status} during ${context.operation} becomes ${expected.name}`, () => {
      const original = httpError(status);
      const mapped = toDriverError(original, context);
      expect(mapped).toBeInstanceOf(expected);
      expect(mapped.cause).toBe(original);
      expect(mapped.context).toMatchObject({ ...context, statusCode: status });
    });
  }

  it("maps Docker's 403 for a network with active endpoints to NetworkRemoveError with the engine's reason", () => {
    const mapped = toDriverError(
      httpError(403, "error while removing network: network n-2 id abc has active endpoints"),
      {
        operation: "removeNetwork",
        networkId: "n-2",
      },
    );
    expect(mapped).toBeInstanceOf(NetworkRemoveError);
    expect(mapped.retryable).toBe(false);
    expect((mapped as NetworkRemoveError).networkId).toBe("n-2");
    expect((mapped as NetworkRemoveError).reason).toContain("has active endpoints");
  });

  it("a create that names what the engine does not have is a ConfigurationError at the config's path, not retryable", () => {
    const cases = [
      [404, "No such image: no-such-image:1", { operation: "createContainer" }, "image"],
      [
        404,
        'create v: error looking up volume plugin nope: plugin "nope" not found',
        { operation: "createVolume", volumeName: "v" },
        "driver",
      ],
      [404, 'plugin "nope" not found', { operation: "createNetwork", networkName: "n" }, "driver"],
      [
        403,
        'only one instance of "host" network is allowed',
        { operation: "createNetwork", networkName: "n" },
        "driver",
      ],
    ] as const;
    for (const [status, message, context, path] of cases) {
      const mapped = toDriverError(httpError(status, message), context);
      expect(mapped, message).toBeInstanceOf(ConfigurationError);
      expect(mapped.retryable).toBe(false);
      expect((mapped as ConfigurationError).issues.map((issue) => issue.path)).toEqual([path]);
      expect(mapped.message).toContain(message);
      expect(mapped.context).toMatchObject({ ...context, statusCode: status });
    }
    // A lookup during the create that finds no such volume or network is still that NotFound error.
    expect(
      toDriverError(httpError(404, "get v: no such volume"), { operation: "createVolume", volumeName: "v" }),
    ).toBeInstanceOf(VolumeNotFoundError);
    expect(
      toDriverError(httpError(404, "network n not found"), { operation: "createNetwork", networkName: "n" }),
    ).toBeInstanceOf(NetworkNotFoundError);
    // Any other 404 of a create keeps the create's own error; another 403 is still a permission.
    expect(toDriverError(httpError(404, "gone"), { operation: "createContainer" })).toBeInstanceOf(
      ContainerCreationError,
    );
    expect(
      toDriverError(httpError(403, "authorization denied by plugin x"), { operation: "createNetwork" }),
    ).toBeInstanceOf(AuthorizationError);
  });

  it("431 says the request headers are too large, as a ConfigurationError", () => {
    const mapped = toDriverError(httpError(431, "431 Request Header Fields Too Large"), {
      operation: "listContainers",
    });
    expect(mapped).toBeInstanceOf(ConfigurationError);
    expect(mapped.message).toContain("request headers are too large");
  });

  it("keeps the ids the NotFound error names", () => {
    const mapped = toDriverError(httpError(404), { operation: "stopContainer", containerId: "c-9" });
    expect(mapped).toBeInstanceOf(ContainerNotFoundError);
    expect((mapped as ContainerNotFoundError).containerId).toBe("c-9");
    const volume = toDriverError(httpError(404), { operation: "removeVolume", volumeId: "v-9", containerId: "c-9" });
    expect((volume as VolumeNotFoundError).volumeId).toBe("v-9");
  });

  it("puts the engine's own message and the operation's ids into the operation error", () => {
    const mapped = toDriverError(httpError(409, "removal already in progress"), {
      operation: "removeContainer",
      containerId: "c-3",
    });
    expect(mapped).toBeInstanceOf(ContainerRemoveError);
    expect((mapped as ContainerRemoveError).containerId).toBe("c-3");
    expect((mapped as ContainerRemoveError).reason).toContain("removal already in progress");
  });

  it("maps 5xx of retryable operations to a retryable error and never to an unknown one", () => {
    for (const operation of ["createContainer", "startContainer", "stopContainer", "listContainers", "removeVolume"]) {
      const mapped = toDriverError(httpError(500), { operation, containerId: "c", volumeId: "v" });
      expect(mapped.retryable, operation).toBe(true);
    }
  });

  it("maps a failed health check to DriverHealthError on 409 and NetworkError on 5xx", () => {
    expect(toDriverError(httpError(409), { operation: "healthCheck" })).toBeInstanceOf(DriverHealthError);
    expect(toDriverError(httpError(500), { operation: "healthCheck" })).toBeInstanceOf(NetworkError);
  });

  it("treats 304 (not an error in the contract) as unrecognised: the operation's error, effect unknown", () => {
    const mapped = toDriverError(httpError(304), { operation: "startContainer", containerId: "c" });
    expect(mapped).toBeInstanceOf(ContainerStartError);
    expect(mayHaveTakenEffect(mapped)).toBe(true);
  });

  it("prefers the HTTP status over an errno on the same error", () => {
    const both = Object.assign(httpError(404), { code: "ENOENT" });
    expect(toDriverError(both, { operation: "startContainer", containerId: "c" })).toBeInstanceOf(
      ContainerNotFoundError,
    );
  });
});

describe("toDriverError: everything else", () => {
  it("passes a DriverError through unchanged", () => {
    const original = new ContainerStopError("c-1", "stuck");
    expect(toDriverError(original, { operation: "stopContainer" })).toBe(original);
  });

  it("passes a branded DriverError of another package copy through", () => {
    const foreign = Object.create(null) as Record<PropertyKey, unknown>;
    foreign[Symbol.for("@openagent/driver-interface/DriverError")] = true;
    foreign.code = "CONTAINER_NOT_FOUND";
    foreign.retryable = false;
    foreign.message = "gone";
    expect(toDriverError(foreign, { operation: "startContainer" })).toBe(foreign);
  });

  it("maps an AbortSignal.timeout reason to TimeoutError with the operation and the time allowed", () => {
    const reason = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    const mapped = toDriverError(reason, { operation: "stopContainer", timeoutMs: 2500 });
    expect(mapped).toBeInstanceOf(TimeoutError);
    expect((mapped as TimeoutError).operation).toBe("stopContainer");
    expect((mapped as TimeoutError).timeout).toBe(2500);
    expect(mapped.cause).toBe(reason);
  });

  it.each([
    ["a plain Error", new Error("boom")],
    ["a string", "boom"],
    ["null", null],
    ["undefined", undefined],
    ["a number", 42],
    ["an object", { weird: true }],
    ["an unknown errno", systemError("EWHATEVER")],
    [
      "a throwing getter",
      Object.defineProperty({}, "code", {
        get() {
          throw new Error("no");
        },
      }),
    ],
  ])("maps %s during a create to the create's own error, whose effect is unknown, keeping the cause", (_, value) => {
    const mapped = toDriverError(value, { operation: "createContainer", driver: "x" });
    expect(mapped).toBeInstanceOf(ContainerCreationError);
    expect(mapped.code).not.toBe(UNKNOWN_ERROR_CODE);
    expect(mapped.cause).toBe(value);
    expect(mapped.context).toMatchObject({ operation: "createContainer", driver: "x", effectUnknown: true });
    expect(mayHaveTakenEffect(mapped)).toBe(true);
    expect(defaultShouldRetry("createContainer", mapped)).toBe(false);
  });

  it.each([
    ["a read without a failure error of its own", { operation: "listContainers" }],
    ["an operation outside the method table", { operation: "warmUp" }],
    ["no context at all", undefined],
    ["a context that is a string", "startContainer"],
  ])("maps an unrecognised failure of %s to a non-retryable UnexpectedError", (_, context) => {
    const mapped = toDriverError(new Error("boom"), context as ErrorMappingContext | undefined);
    expect(mapped).toBeInstanceOf(UnexpectedError);
    expect(mapped.retryable).toBe(false);
    expect(errorNameOfCode(mapped.code)).toBe("UnexpectedError");
    expect(mayHaveTakenEffect(mapped)).toBe(true);
  });

  it("never throws and never yields a code outside the contract, whatever the context holds", () => {
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
      },
    );
    for (const context of [throwing, null, 42, { operation: 7 }, { operation: "startContainer", containerId: 9 }]) {
      const mapped = toDriverError(httpError(500), context as unknown as ErrorMappingContext);
      expect(errorNameOfCode(mapped.code)).toBeDefined();
    }
  });

  it("survives a value whose properties throw", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
      },
    );
    expect(toDriverError(hostile, { operation: "listContainers" })).toBeInstanceOf(UnexpectedError);
  });

  it("leaves undefined context fields out", () => {
    const mapped = toDriverError(new Error("x"), { operation: "listContainers" });
    expect(Object.keys(mapped.context)).toEqual(["operation"]);
  });
});

describe("mayHaveTakenEffect", () => {
  it("is true for timeouts, possibly-sent network errors and unknown errors", () => {
    expect(mayHaveTakenEffect(new TimeoutError("createContainer", 10))).toBe(true);
    expect(mayHaveTakenEffect(new NetworkError("reset"))).toBe(true);
    expect(mayHaveTakenEffect(new Error("?"))).toBe(true);
    expect(mayHaveTakenEffect(new DriverError("custom", "MY_CODE", true))).toBe(true);
  });

  it("is false for definite answers of the driver", () => {
    expect(mayHaveTakenEffect(new ContainerCreationError("no image"))).toBe(false);
    expect(mayHaveTakenEffect(new ConfigurationError("bad"))).toBe(false);
    expect(mayHaveTakenEffect(new NetworkError("refused", { context: { requestSent: false } }))).toBe(false);
  });
});
