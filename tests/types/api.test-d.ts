/**
 * Type-level tests of the functions and classes: literal error names, builder
 * inputs and outputs, validators as type guards, parse results.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  type AuthenticationError,
  type AuthorizationError,
  type CircuitOpenError,
  ConfigurationError,
  type ConfigurationIssue,
  type ContainerConfig,
  type ContainerCreationError,
  type ContainerFilter,
  ContainerNotFoundError,
  type ContainerRemoveError,
  ContainerStartError,
  type ContainerState,
  type ContainerStatus,
  type ContainerStopError,
  containerConfigIssues,
  createDriverConfig,
  createResourceLimits,
  createSecurityOptions,
  type DriverError,
  type DriverErrorCode,
  type DriverErrorJSON,
  type DriverErrorName,
  type DriverHealthError,
  type FileSystemError,
  getErrorCode,
  getErrorMessage,
  isDriverError,
  isRetryableError,
  type LogOptions,
  type NetworkConfig,
  type NetworkCreationError,
  type NetworkError,
  type NetworkNotFoundError,
  type NetworkRemoveError,
  parseContainerConfig,
  parseContainerFilter,
  parseLogOptions,
  parseNetworkConfig,
  parseResourceLimits,
  parseSecurityOptions,
  parseStopOptions,
  parseVolumeConfig,
  parseVolumeMount,
  type ResourceLimits,
  ResourceLimitError,
  type SecurityOptions,
  type StopOptions,
  stateForStatus,
  statusesAfter,
  TimeoutError,
  type ContainerTransition,
  type Transition,
  transitionFor,
  VERSION,
  type VolumeConfig,
  type VolumeCreationError,
  type VolumeMount,
  type VolumeNotFoundError,
  type VolumeRemoveError,
  validateContainerConfig,
  validateResourceLimits,
  validateSecurityOptions,
} from "../../src/index.js";
import * as errorsEntry from "../../src/errors.js";

describe("error classes", () => {
  it("have literal names", () => {
    expectTypeOf<ContainerNotFoundError["name"]>().toEqualTypeOf<"ContainerNotFoundError">();
    expectTypeOf<ContainerCreationError["name"]>().toEqualTypeOf<"ContainerCreationError">();
    expectTypeOf<ContainerStartError["name"]>().toEqualTypeOf<"ContainerStartError">();
    expectTypeOf<ContainerStopError["name"]>().toEqualTypeOf<"ContainerStopError">();
    expectTypeOf<ContainerRemoveError["name"]>().toEqualTypeOf<"ContainerRemoveError">();
    expectTypeOf<ResourceLimitError["name"]>().toEqualTypeOf<"ResourceLimitError">();
    expectTypeOf<VolumeCreationError["name"]>().toEqualTypeOf<"VolumeCreationError">();
    expectTypeOf<VolumeNotFoundError["name"]>().toEqualTypeOf<"VolumeNotFoundError">();
    expectTypeOf<VolumeRemoveError["name"]>().toEqualTypeOf<"VolumeRemoveError">();
    expectTypeOf<NetworkCreationError["name"]>().toEqualTypeOf<"NetworkCreationError">();
    expectTypeOf<NetworkNotFoundError["name"]>().toEqualTypeOf<"NetworkNotFoundError">();
    expectTypeOf<NetworkRemoveError["name"]>().toEqualTypeOf<"NetworkRemoveError">();
    expectTypeOf<DriverHealthError["name"]>().toEqualTypeOf<"DriverHealthError">();
    expectTypeOf<TimeoutError["name"]>().toEqualTypeOf<"TimeoutError">();
    expectTypeOf<NetworkError["name"]>().toEqualTypeOf<"NetworkError">();
    expectTypeOf<FileSystemError["name"]>().toEqualTypeOf<"FileSystemError">();
    expectTypeOf<AuthenticationError["name"]>().toEqualTypeOf<"AuthenticationError">();
    expectTypeOf<AuthorizationError["name"]>().toEqualTypeOf<"AuthorizationError">();
    expectTypeOf<ConfigurationError["name"]>().toEqualTypeOf<"ConfigurationError">();
    expectTypeOf<CircuitOpenError["name"]>().toEqualTypeOf<"CircuitOpenError">();
  });

  it("narrow a caught error by its name", () => {
    const error = new ContainerStartError("c", "r") as ContainerStartError | TimeoutError;
    if (error.name === "TimeoutError") {
      expectTypeOf(error).toEqualTypeOf<TimeoutError>();
      expectTypeOf(error.timeout).toBeNumber();
    }
  });

  it("carry the constructor fields of seed 004 with their types", () => {
    expectTypeOf<ContainerNotFoundError["containerId"]>().toBeString();
    expectTypeOf<ContainerStartError>().toHaveProperty("reason").toBeString();
    expectTypeOf<ResourceLimitError>().toHaveProperty("limit").toBeNumber();
    expectTypeOf<ResourceLimitError>().toHaveProperty("requested").toBeNumber();
    expectTypeOf<ResourceLimitError>().toHaveProperty("resource").toBeString();
    expectTypeOf<TimeoutError>().toHaveProperty("operation").toBeString();
    expectTypeOf<TimeoutError>().toHaveProperty("timeout").toBeNumber();
    expectTypeOf<VolumeCreationError>().toHaveProperty("volumeName").toBeString();
    expectTypeOf<NetworkCreationError>().toHaveProperty("networkName").toBeString();
    expectTypeOf<ContainerCreationError>().toHaveProperty("details").toBeUnknown();
    expectTypeOf<ConfigurationError>().toHaveProperty("issues").toEqualTypeOf<readonly ConfigurationIssue[]>();
    expectTypeOf<DriverError>().toHaveProperty("retryable").toBeBoolean();
    expectTypeOf<DriverError["toJSON"]>().returns.toEqualTypeOf<DriverErrorJSON>();
    expectTypeOf<DriverErrorJSON>().toEqualTypeOf<{
      readonly name: string;
      readonly code: string;
      readonly message: string;
      readonly retryable: boolean;
      readonly context: Readonly<Record<string, unknown>>;
    }>();
  });

  it("require their fields", () => {
    // @ts-expect-error the container id is required
    new ContainerNotFoundError();
    // @ts-expect-error limit and requested are required
    new ResourceLimitError("cpu");
    // @ts-expect-error the timeout is a number
    new TimeoutError("op", "30s");
  });

  it("list every class name and code as unions", () => {
    expectTypeOf<"ContainerNotFoundError">().toExtend<DriverErrorName>();
    expectTypeOf<"CONTAINER_CREATION_FAILED">().toExtend<DriverErrorCode>();
    expectTypeOf<"NOT_A_CODE">().not.toExtend<DriverErrorCode>();
  });

  it("are importable from the errors entry point", () => {
    expectTypeOf(errorsEntry.isDriverError).toEqualTypeOf(isDriverError);
    expectTypeOf(errorsEntry.ConfigurationError).toEqualTypeOf(ConfigurationError);
  });
});

describe("error utilities accept unknown", () => {
  it("guards and readers", () => {
    expectTypeOf(isDriverError).parameter(0).toBeUnknown();
    expectTypeOf(isDriverError).guards.toEqualTypeOf<DriverError>();
    expectTypeOf(isRetryableError).parameter(0).toBeUnknown();
    expectTypeOf(isRetryableError).returns.toBeBoolean();
    expectTypeOf(getErrorCode).parameter(0).toBeUnknown();
    expectTypeOf(getErrorCode).returns.toBeString();
    expectTypeOf(getErrorMessage).parameter(0).toBeUnknown();
    expectTypeOf(getErrorMessage).returns.toBeString();
  });
});

describe("builders", () => {
  it("return the complete types", () => {
    expectTypeOf(createDriverConfig).returns.toEqualTypeOf<ContainerConfig>();
    expectTypeOf(createResourceLimits).returns.toEqualTypeOf<ResourceLimits>();
    expectTypeOf(createSecurityOptions).returns.toEqualTypeOf<SecurityOptions>();
  });

  it("accept nothing, or partial input at every level", () => {
    createDriverConfig();
    createResourceLimits();
    createSecurityOptions();
    createDriverConfig({ resources: { cpu: 1 }, security: { capabilities: { add: ["CHOWN"] } } });
    createResourceLimits({ memory: 1024 });
    createSecurityOptions({ capabilities: { drop: ["NET_RAW"] } });
    expectTypeOf<{ sessionId: string }>().toExtend<Parameters<typeof createDriverConfig>[0]>();
    expectTypeOf<{ capabilities: { add: string[] } }>().toExtend<Parameters<typeof createSecurityOptions>[0]>();
  });

  it("refuse input of the wrong type", () => {
    // @ts-expect-error cpu is a number
    createResourceLimits({ cpu: "1" });
    // @ts-expect-error drop is a list
    createSecurityOptions({ capabilities: { drop: "ALL" } });
    // @ts-expect-error env values are strings
    createDriverConfig({ env: { A: 1 } });
  });
});

describe("validators and parse functions", () => {
  it("validators take unknown and are type guards", () => {
    expectTypeOf(validateContainerConfig).parameter(0).toBeUnknown();
    expectTypeOf(validateContainerConfig).guards.toEqualTypeOf<ContainerConfig>();
    expectTypeOf(validateResourceLimits).guards.toEqualTypeOf<ResourceLimits>();
    expectTypeOf(validateSecurityOptions).guards.toEqualTypeOf<SecurityOptions>();

    const input: unknown = JSON.parse("{}");
    if (validateContainerConfig(input)) expectTypeOf(input).toEqualTypeOf<ContainerConfig>();
  });

  it("parse functions take unknown and return the typed value", () => {
    expectTypeOf(parseContainerConfig).parameter(0).toBeUnknown();
    expectTypeOf(parseContainerConfig).returns.toEqualTypeOf<ContainerConfig>();
    expectTypeOf(parseResourceLimits).returns.toEqualTypeOf<ResourceLimits>();
    expectTypeOf(parseSecurityOptions).returns.toEqualTypeOf<SecurityOptions>();
    expectTypeOf(parseVolumeMount).returns.toEqualTypeOf<VolumeMount>();
    expectTypeOf(parseVolumeConfig).returns.toEqualTypeOf<VolumeConfig>();
    expectTypeOf(parseNetworkConfig).returns.toEqualTypeOf<NetworkConfig>();
    expectTypeOf(parseContainerFilter).returns.toEqualTypeOf<ContainerFilter>();
    expectTypeOf(parseStopOptions).returns.toEqualTypeOf<StopOptions>();
    expectTypeOf(parseLogOptions).returns.toEqualTypeOf<LogOptions>();
    expectTypeOf(containerConfigIssues).returns.toEqualTypeOf<ConfigurationIssue[]>();
  });
});

describe("lifecycle", () => {
  it("maps statuses to states and reads the table with typed operations", () => {
    expectTypeOf(stateForStatus).parameter(0).toEqualTypeOf<ContainerStatus>();
    expectTypeOf(stateForStatus).parameter(1).toEqualTypeOf<number | undefined>();
    expectTypeOf(stateForStatus).returns.toEqualTypeOf<ContainerState>();
    // A 1.0 operation gives a 1.0 Transition, so a driver mapping its rejections exhaustively still compiles.
    expectTypeOf(transitionFor("start", "running")).toEqualTypeOf<Transition>();
    expectTypeOf(transitionFor("pause", "running")).toEqualTypeOf<ContainerTransition>();
    expectTypeOf(statusesAfter).returns.toEqualTypeOf<readonly ContainerStatus[] | null>();
    // @ts-expect-error "zombie" is not a status
    stateForStatus("zombie");
    // @ts-expect-error "hibernate" is not an operation of the table
    transitionFor("hibernate", "running");
  });

  it("exports VERSION as a string", () => {
    expectTypeOf(VERSION).toBeString();
  });
});
