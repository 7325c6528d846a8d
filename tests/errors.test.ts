import { describe, expect, it, vi } from "vitest";
import {
  AuthenticationError,
  AuthorizationError,
  CircuitOpenError,
  ConfigurationError,
  ContainerCreationError,
  ContainerNotFoundError,
  ContainerRemoveError,
  ContainerStartError,
  ContainerStopError,
  DRIVER_ERROR_BRAND,
  DRIVER_ERROR_DEFINITIONS,
  DriverError,
  DriverHealthError,
  FileSystemError,
  getErrorCode,
  getErrorMessage,
  isDriverError,
  isRetryableError,
  NetworkCreationError,
  NetworkError,
  NetworkNotFoundError,
  NetworkRemoveError,
  ResourceLimitError,
  TimeoutError,
  UNKNOWN_ERROR_CODE,
  UnexpectedError,
  ContainerStateError,
  ExecError,
  FileNotFoundError,
  IdempotencyConflictError,
  OperationAbortedError,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
} from "../src/errors.js";

const context = { operation: "test", driver: "unit" };
const cause = new Error("root cause");
const options = { cause, context };

/**
 * One instance of every class, built with the constructor fields of seed 004,
 * with the fields the test expects to find on it. The id each message must
 * name is in `names`.
 */
const samples = [
  {
    error: new ContainerNotFoundError("c-42", options),
    fields: { containerId: "c-42" },
    names: "c-42",
  },
  {
    error: new ContainerCreationError("image 'alpine' could not be pulled", { image: "alpine" }, options),
    fields: { details: { image: "alpine" } },
    names: "alpine",
  },
  {
    error: new ContainerStartError("c-43", "container is dead", options),
    fields: { containerId: "c-43", reason: "container is dead" },
    names: "c-43",
  },
  {
    error: new ContainerStopError("c-44", "engine did not answer", options),
    fields: { containerId: "c-44", reason: "engine did not answer" },
    names: "c-44",
  },
  {
    error: new ContainerRemoveError("c-45", "removal already in progress", options),
    fields: { containerId: "c-45", reason: "removal already in progress" },
    names: "c-45",
  },
  {
    error: new ResourceLimitError("cpu", 2, 3.5, options),
    fields: { resource: "cpu", limit: 2, requested: 3.5 },
    names: "cpu",
  },
  {
    error: new VolumeCreationError("data", "a volume with this name exists", options),
    fields: { volumeName: "data", reason: "a volume with this name exists" },
    names: "data",
  },
  {
    error: new VolumeNotFoundError("vol-1", options),
    fields: { volumeId: "vol-1" },
    names: "vol-1",
  },
  {
    error: new VolumeRemoveError("vol-2", "in use by container c-1", options),
    fields: { volumeId: "vol-2", reason: "in use by container c-1" },
    names: "vol-2",
  },
  {
    error: new NetworkCreationError("agents", "a network with this name exists", options),
    fields: { networkName: "agents", reason: "a network with this name exists" },
    names: "agents",
  },
  {
    error: new NetworkNotFoundError("net-1", options),
    fields: { networkId: "net-1" },
    names: "net-1",
  },
  {
    error: new NetworkRemoveError("net-2", "in use by container c-1", options),
    fields: { networkId: "net-2", reason: "in use by container c-1" },
    names: "net-2",
  },
  {
    error: new DriverHealthError("engine at 'unix-socket' reported no version", options),
    fields: {},
    names: "unix-socket",
  },
  {
    error: new TimeoutError("startContainer", 30_000, options),
    fields: { operation: "startContainer", timeout: 30_000 },
    names: "startContainer",
  },
  {
    error: new NetworkError("connection to engine 'local' was refused", options),
    fields: {},
    names: "local",
  },
  {
    error: new FileSystemError("path '/data' does not exist", options),
    fields: {},
    names: "/data",
  },
  {
    error: new AuthenticationError("token for 'registry-1' expired", options),
    fields: {},
    names: "registry-1",
  },
  {
    error: new AuthorizationError("permission denied on 'engine.sock'", options),
    fields: {},
    names: "engine.sock",
  },
  {
    error: new ConfigurationError("'cpu' must be a number", {
      ...options,
      issues: [{ path: "resources.cpu", message: "expected number" }],
    }),
    fields: { issues: [{ path: "resources.cpu", message: "expected number" }] },
    names: "cpu",
  },
  {
    error: new CircuitOpenError(Date.UTC(2030, 0, 1), options),
    fields: { retryAt: Date.UTC(2030, 0, 1) },
    names: "2030-01-01T00:00:00.000Z",
  },
  // Contract 1.1 additions.
  {
    error: new UnexpectedError("the engine answered 'teapot'", options),
    fields: {},
    names: "teapot",
  },
  {
    error: new ContainerStateError("c-50", "exited", "execInContainer", options),
    fields: { containerId: "c-50", status: "exited", operation: "execInContainer" },
    names: "c-50",
  },
  {
    error: new ExecError("c-51", "engine answered 500", options),
    fields: { containerId: "c-51", reason: "engine answered 500" },
    names: "c-51",
  },
  {
    error: new FileNotFoundError("c-52", "/work/result.json", options),
    fields: { containerId: "c-52", path: "/work/result.json" },
    names: "/work/result.json",
  },
  {
    error: new IdempotencyConflictError("task-7", "c-53", options),
    fields: { idempotencyKey: "task-7", containerId: "c-53" },
    names: "task-7",
  },
  {
    error: new OperationAbortedError("writeFile", options),
    fields: { operation: "writeFile" },
    names: "writeFile",
  },
] as const;

/**
 * Retryable flags as seed 001 lists them, plus ConfigurationError (seed 004,
 * non-retryable) and CircuitOpenError (this package's own, retryable: the
 * breaker lets calls through again later). Written out here, not read from
 * DRIVER_ERROR_DEFINITIONS, so that a changed flag fails this test.
 */
const expectedRetryable: Record<string, boolean> = {
  ContainerNotFoundError: false,
  ContainerCreationError: true,
  ContainerStartError: true,
  ContainerStopError: true,
  ContainerRemoveError: false,
  ResourceLimitError: false,
  VolumeCreationError: true,
  VolumeNotFoundError: false,
  VolumeRemoveError: false,
  NetworkCreationError: true,
  NetworkNotFoundError: false,
  NetworkRemoveError: false,
  DriverHealthError: false,
  TimeoutError: true,
  NetworkError: true,
  FileSystemError: false,
  AuthenticationError: false,
  AuthorizationError: false,
  ConfigurationError: false,
  CircuitOpenError: true,
  // Contract 1.1 additions.
  UnexpectedError: false,
  ContainerStateError: false,
  ExecError: true,
  FileNotFoundError: false,
  IdempotencyConflictError: false,
  OperationAbortedError: false,
};

describe("error classes", () => {
  it("covers every class in DRIVER_ERROR_DEFINITIONS, and nothing else", () => {
    expect(samples.map((sample) => sample.error.name).sort()).toEqual(Object.keys(DRIVER_ERROR_DEFINITIONS).sort());
    expect(Object.keys(expectedRetryable).sort()).toEqual(Object.keys(DRIVER_ERROR_DEFINITIONS).sort());
  });

  it("gives every class a unique SCREAMING_SNAKE code", () => {
    const codes = samples.map((sample) => sample.error.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
    expect(codes).not.toContain(UNKNOWN_ERROR_CODE);
  });

  it("uses the code the seed gives for ContainerCreationError", () => {
    expect(new ContainerCreationError("x").code).toBe("CONTAINER_CREATION_FAILED");
  });

  it("sets exactly the constructor fields its definition lists", () => {
    for (const { error, fields } of samples) {
      const listed = DRIVER_ERROR_DEFINITIONS[error.name].fields;
      for (const field of Object.keys(fields)) expect(listed, error.name).toContain(field);
      for (const field of listed) expect(Object.hasOwn(error, field), `${error.name}.${field}`).toBe(true);
    }
  });

  it("exposes each code as a static on its class, equal to the instances' code", () => {
    for (const { error } of samples) {
      const errorClass = error.constructor as unknown as { code: string };
      expect(errorClass.code).toBe(error.code);
      expect(DRIVER_ERROR_DEFINITIONS[error.name].code).toBe(error.code);
    }
  });

  it.each(samples.map((sample) => [sample.error.name, sample] as const))(
    "%s has the retryable flag of seed 001",
    (name, { error }) => {
      expect(error.retryable).toBe(expectedRetryable[name]);
      expect(isRetryableError(error)).toBe(expectedRetryable[name]);
    },
  );

  it("marks ConfigurationError as not retryable", () => {
    expect(new ConfigurationError("bad").retryable).toBe(false);
  });

  it.each(samples.map((sample) => [sample.error.name, sample] as const))(
    "%s keeps its constructor fields, cause and context",
    (_name, { error, fields }) => {
      expect(error).toMatchObject(fields);
      expect(error.cause).toBe(cause);
      expect(error.context).toEqual(context);
    },
  );

  it("has a literal name equal to the class name, an Error prototype chain and a stack", () => {
    for (const { error } of samples) {
      expect(error.name).toBe(error.constructor.name);
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(DriverError);
      expect(error.stack).toContain(error.name);
      expect(Object.prototype.toString.call(error)).toBe("[object Error]");
    }
  });

  it("names the id in every message and says what to do where the class builds the message", () => {
    for (const { error, names } of samples) {
      expect(error.message).toContain(names);
    }
    expect(new ContainerNotFoundError("c-1").message).toMatch(/check the id|list containers/);
    expect(new ContainerStopError("c-1", "no answer").message).toMatch(/Retry|force/);
    expect(new ResourceLimitError("memory", 1024, 4096).message).toMatch(/at most 1024/);
    expect(new VolumeNotFoundError("v-1").message).toMatch(/createVolume/);
    expect(new NetworkNotFoundError("n-1").message).toMatch(/createNetwork/);
    expect(new TimeoutError("stopContainer", 5000).message).toMatch(/5000 ms.*(retry|allow more time)/);
  });

  it("serialises to exactly { name, code, message, retryable, context }, without cause or stack", () => {
    const error = new ContainerStartError("c-1", "dead", options);
    const json = error.toJSON();
    expect(json).toEqual({
      name: "ContainerStartError",
      code: "CONTAINER_START_FAILED",
      message: error.message,
      retryable: true,
      context,
    });
    expect(Object.keys(json).sort()).toEqual(["code", "context", "message", "name", "retryable"]);
    expect(JSON.parse(JSON.stringify(error))).toEqual(json);
  });

  it("serialises a ConfigurationError's issues inside its context", () => {
    const issues = [
      { path: "sessionId", message: "too short" },
      { path: "resources.cpu", message: "too small" },
    ];
    const json = new ConfigurationError("invalid", { issues, context: { what: "config" } }).toJSON();
    expect(json.context).toEqual({ what: "config", issues });
  });

  it("defaults context to an empty object and cause to undefined", () => {
    const error = new NetworkError("refused");
    expect(error.context).toEqual({});
    expect(error.cause).toBeUndefined();
    expect("cause" in error).toBe(false);
    expect(error.toJSON().context).toEqual({});
  });

  it("copies and freezes the context, so the caller's object cannot change the error", () => {
    const callerContext: Record<string, unknown> = { attempt: 1 };
    const error = new TimeoutError("op", 1, { context: callerContext });
    callerContext.attempt = 2;
    expect(error.context).toEqual({ attempt: 1 });
    expect(Object.isFrozen(error.context)).toBe(true);
  });

  it("copies and freezes the issues of a ConfigurationError", () => {
    const issues = [{ path: "a", message: "b" }];
    const error = new ConfigurationError("x", { issues });
    issues.push({ path: "c", message: "d" });
    expect(error.issues).toEqual([{ path: "a", message: "b" }]);
    expect(Object.isFrozen(error.issues)).toBe(true);
    expect(Object.isFrozen(error.issues[0])).toBe(true);
  });

  it("builds a CircuitOpenError for any retry time, even one no Date can show", () => {
    expect(new CircuitOpenError(0).message).toContain("1970-01-01T00:00:00.000Z");
    for (const retryAt of [Number.POSITIVE_INFINITY, Number.NaN, 9e15]) {
      const error = new CircuitOpenError(retryAt);
      expect(error.retryAt).toBe(retryAt);
      expect(error.message).toContain(String(retryAt));
    }
  });

  it("gives DriverHealthError a default message", () => {
    expect(new DriverHealthError().message).toBe("Driver health check failed");
  });

  it("lets a caller build a DriverError with its own code", () => {
    const error = new DriverError("custom", "MY_CODE", true, { context: { a: 1 } });
    expect(error.name).toBe("DriverError");
    expect(getErrorCode(error)).toBe("MY_CODE");
    expect(isRetryableError(error)).toBe(true);
    expect(isDriverError(error)).toBe(true);
  });
});

describe("instanceof", () => {
  it("matches the class and DriverError, not a sibling class", () => {
    const error = new ContainerNotFoundError("c-1");
    expect(error instanceof ContainerNotFoundError).toBe(true);
    expect(error instanceof DriverError).toBe(true);
    expect(error instanceof Error).toBe(true);
    expect(error instanceof VolumeNotFoundError).toBe(false);
    expect(new Error("x") instanceof DriverError).toBe(false);
  });

  it("is false, not a throw, for values that cannot be inspected", () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error("trap");
        },
        getPrototypeOf() {
          throw new Error("trap");
        },
      },
    );
    expect(hostile instanceof DriverError).toBe(false);
    expect(hostile instanceof ContainerNotFoundError).toBe(false);
    expect((null as unknown as object) instanceof DriverError).toBe(false);
    expect(("string" as unknown as object) instanceof DriverError).toBe(false);
  });

  it("holds across two copies of the package, which share only the Symbol.for brand", async () => {
    vi.resetModules();
    const copy = await import("../src/errors.js");
    expect(copy.DriverError).not.toBe(DriverError);
    expect(copy.ContainerNotFoundError).not.toBe(ContainerNotFoundError);

    const fromCopy = new copy.ContainerNotFoundError("c-9");
    const fromHere = new ContainerNotFoundError("c-9");

    expect(isDriverError(fromCopy)).toBe(true);
    expect(copy.isDriverError(fromHere)).toBe(true);
    expect(getErrorCode(fromCopy)).toBe("CONTAINER_NOT_FOUND");
    expect(isRetryableError(new copy.TimeoutError("op", 1))).toBe(true);

    expect(fromCopy instanceof ContainerNotFoundError).toBe(true);
    expect(fromCopy instanceof DriverError).toBe(true);
    expect(fromHere instanceof copy.ContainerNotFoundError).toBe(true);
    expect(fromHere instanceof copy.DriverError).toBe(true);
    expect(fromCopy instanceof VolumeNotFoundError).toBe(false);
    expect(fromHere instanceof copy.VolumeNotFoundError).toBe(false);
  });
});

describe("the brand", () => {
  it("is the registered symbol, on every error's prototype chain, not enumerable", () => {
    expect(DRIVER_ERROR_BRAND).toBe(Symbol.for("@openagent/driver-interface/DriverError"));
    const error = new FileSystemError("x");
    expect((error as unknown as Record<symbol, unknown>)[DRIVER_ERROR_BRAND]).toBe(true);
    expect(Object.keys(error)).not.toContain(String(DRIVER_ERROR_BRAND));
    expect(Object.getOwnPropertySymbols(error)).not.toContain(DRIVER_ERROR_BRAND);
  });

  it("makes a hand-built branded object a DriverError, and nothing else does", () => {
    const branded = { [Symbol.for("@openagent/driver-interface/DriverError")]: true, code: "X", retryable: true };
    expect(isDriverError(branded)).toBe(true);
    expect(isRetryableError(branded)).toBe(true);
    expect(getErrorCode(branded)).toBe("X");
    expect(isDriverError({ code: "CONTAINER_NOT_FOUND", retryable: true, message: "m" })).toBe(false);
    expect(isDriverError({ [DRIVER_ERROR_BRAND]: "yes", code: "X" })).toBe(false);
    expect(isDriverError({ [DRIVER_ERROR_BRAND]: true, code: 42 })).toBe(false);
  });
});

describe("utilities accept unknown", () => {
  const throwingGetter = Object.defineProperty({}, "message", {
    get() {
      throw new Error("getter");
    },
  });
  const brandedThrowingCode = Object.defineProperty({ [DRIVER_ERROR_BRAND]: true }, "code", {
    get() {
      throw new Error("getter");
    },
  });
  const trapEverything = new Proxy(
    {},
    {
      get() {
        throw new Error("trap");
      },
      has() {
        throw new Error("trap");
      },
      getPrototypeOf() {
        throw new Error("trap");
      },
      ownKeys() {
        throw new Error("trap");
      },
      getOwnPropertyDescriptor() {
        throw new Error("trap");
      },
    },
  );
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;

  const strange: [string, unknown][] = [
    ["a thrown string", "boom"],
    ["null", null],
    ["undefined", undefined],
    ["a number", 42],
    ["a bigint", 10n],
    ["a symbol", Symbol("s")],
    ["a function", () => 1],
    ["a plain object", { code: "CONTAINER_NOT_FOUND", retryable: true }],
    ["an Error", new Error("plain")],
    ["an object with a throwing getter", throwingGetter],
    ["a branded object with a throwing code getter", brandedThrowingCode],
    [
      "a branded object with a throwing retryable getter",
      Object.defineProperty({ [DRIVER_ERROR_BRAND]: true, code: 1 }, "retryable", {
        get() {
          throw new Error("getter");
        },
      }),
    ],
    ["a Proxy whose traps throw", trapEverything],
    ["a revoked Proxy", revoked.proxy],
    ["a cyclic object", cyclic],
    ["an object without a prototype", Object.create(null)],
  ];

  it.each(strange)("never throw for %s", (_label, value) => {
    expect(isDriverError(value)).toBe(false);
    expect(isRetryableError(value)).toBe(false);
    expect(getErrorCode(value)).toBe(UNKNOWN_ERROR_CODE);
    expect(typeof getErrorMessage(value)).toBe("string");
  });

  it("getErrorMessage gives the best message it can find", () => {
    expect(getErrorMessage("boom")).toBe("boom");
    expect(getErrorMessage(new Error("plain"))).toBe("plain");
    expect(getErrorMessage(new ContainerNotFoundError("c-7"))).toContain("c-7");
    expect(getErrorMessage({ message: "from an object" })).toBe("from an object");
    expect(getErrorMessage(null)).toBe("Unknown error: null");
    expect(getErrorMessage(undefined)).toBe("Unknown error: undefined");
    expect(getErrorMessage(42)).toBe("Unknown error: 42");
    expect(getErrorMessage({ status: 500 })).toBe('Unknown error: {"status":500}');
    expect(getErrorMessage(cyclic)).toBe("Unknown error: [object Object]");
    expect(getErrorMessage(throwingGetter)).toMatch(/^Unknown error/);
    expect(getErrorMessage(trapEverything)).toMatch(/^Unknown error/);
  });

  it("isRetryableError needs the flag to be exactly true", () => {
    expect(isRetryableError({ [DRIVER_ERROR_BRAND]: true, code: "X", retryable: "yes" })).toBe(false);
    expect(isRetryableError(new ContainerNotFoundError("c-1"))).toBe(false);
    expect(isRetryableError(new Error("timeout"))).toBe(false);
    const throwingRetryable = Object.defineProperty({ [DRIVER_ERROR_BRAND]: true, code: "X" }, "retryable", {
      get() {
        throw new Error("getter");
      },
    });
    expect(isDriverError(throwingRetryable)).toBe(true);
    expect(isRetryableError(throwingRetryable)).toBe(false);
  });

  it("getErrorCode reads the code once and falls back when a getter changes its answer", () => {
    let reads = 0;
    const fickle = Object.defineProperty({ [DRIVER_ERROR_BRAND]: true }, "code", {
      get() {
        reads += 1;
        if (reads === 1) return "FIRST";
        throw new Error("second read");
      },
    });
    expect(getErrorCode(fickle)).toBe(UNKNOWN_ERROR_CODE);
  });
});
