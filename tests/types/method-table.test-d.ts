/**
 * The method table is the one place that states what the package knows about
 * each driver method, and the compiler holds it to that: a method of
 * `ContainerDriver` without a row, or a row with a fact of the wrong kind,
 * does not compile. Run by vitest in typecheck mode.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  type AnyDriverMethod,
  type ContainerDriver,
  DRIVER_METHOD_TABLE,
  type DriverMethod,
  type DriverWith,
  type MethodFacts,
  type MethodNamesOf,
  type MethodTable,
} from "../../src/index.js";

describe("the method table", () => {
  it("has a row for every method of ContainerDriver, and no other", () => {
    expectTypeOf<keyof typeof DRIVER_METHOD_TABLE>().toEqualTypeOf<AnyDriverMethod>();
    expectTypeOf(DRIVER_METHOD_TABLE).toExtend<MethodTable>();
  });

  it("refuses a table without a row", () => {
    const { removeNetwork: _removeNetwork, ...withoutRow } = DRIVER_METHOD_TABLE;
    // @ts-expect-error removeNetwork has no row
    const incomplete: MethodTable = withoutRow;
    void incomplete;
  });

  it("refuses a new driver method until the table has its row", () => {
    type Extended = ContainerDriver & { snapshotContainer?(id: string): Promise<void> };
    type ExtendedTable = { readonly [Method in MethodNamesOf<Extended>]: MethodFacts };
    // @ts-expect-error the table has no row for snapshotContainer
    const covered: ExtendedTable = DRIVER_METHOD_TABLE;
    void covered;
  });

  it("refuses a row with a failure error no builder knows", () => {
    const row: MethodFacts = DRIVER_METHOD_TABLE.startContainer;
    // @ts-expect-error ContainerNotFoundError is no operation's failure error (FAILURE_ERRORS has no builder for it)
    const wrong: MethodFacts = { ...row, failure: "ContainerNotFoundError" };
    void wrong;
  });

  it("derives the required methods and DriverWith from the rows", () => {
    expectTypeOf<DriverMethod>().toEqualTypeOf<
      | "createContainer"
      | "startContainer"
      | "stopContainer"
      | "removeContainer"
      | "getContainer"
      | "listContainers"
      | "getContainerLogs"
      | "healthCheck"
      | "isContainerHealthy"
      | "createVolume"
      | "removeVolume"
      | "createNetwork"
      | "removeNetwork"
    >();
    expectTypeOf<DriverWith<"exec">["execInContainer"]>().toEqualTypeOf<
      NonNullable<ContainerDriver["execInContainer"]>
    >();
    expectTypeOf<DriverWith<"files">>().toHaveProperty("readFileStream");
    expectTypeOf<DriverWith<"pause">["pauseContainer"]>().not.toBeUndefined();
  });
});
