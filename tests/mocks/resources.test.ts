/**
 * Both mock drivers, each profile: volumes and networks (tests/mocks/resources.ts).
 */
import { describe, expect, it } from "vitest";
import {
  ConfigurationError,
  NetworkCreationError,
  NetworkNotFoundError,
  NetworkRemoveError,
  NetworkSchema,
  VolumeCreationError,
  VolumeNotFoundError,
  VolumeRemoveError,
  VolumeSchema,
} from "../../src/index.js";
import { config, drivers } from "./driver-harness.js";

describe.each(drivers)("$label", ({ make, profile }) => {
  const instant = () => make({ timing: "instant" });

  describe("volumes and networks", () => {
    it("volumes: duplicate name, unknown id, in use, removable by id or name once unused", async () => {
      const driver = instant();
      const volume = await driver.createVolume({ name: "data", labels: { owner: "me" } });
      expect(VolumeSchema.parse(volume)).toEqual(volume);
      expect(volume).toMatchObject({ name: "data", driver: profile.defaultVolumeDriver, labels: { owner: "me" } });
      expect(volume.mountpoint).toBe(profile.mountpoint("data"));
      await expect(driver.createVolume({ name: "data" })).rejects.toBeInstanceOf(VolumeCreationError);
      await expect(driver.removeVolume("unknown")).rejects.toBeInstanceOf(VolumeNotFoundError);
      const user = await driver.createContainer(
        config({ volumes: [{ source: "data", target: "/d", type: "volume" }] }),
      );
      const inUse = await driver.removeVolume(volume.id).catch((e) => e);
      expect(inUse).toBeInstanceOf(VolumeRemoveError);
      expect(inUse.context.containerIds).toEqual([user.id]);
      await driver.removeContainer(user.id);
      await driver.removeVolume("data");
      await expect(driver.removeVolume(volume.id)).rejects.toBeInstanceOf(VolumeNotFoundError);
      const again = await driver.createVolume({ name: "data", driver: "custom" });
      expect(again.driver).toBe("custom");
      expect(again.id).not.toBe(volume.id);
    });

    it("networks: duplicate name, unknown id, in use, removable by id or name once unused", async () => {
      const driver = instant();
      const network = await driver.createNetwork({ name: "agents" });
      expect(NetworkSchema.parse(network)).toEqual(network);
      expect(network.driver).toBe(profile.defaultNetworkDriver);
      await expect(driver.createNetwork({ name: "agents" })).rejects.toBeInstanceOf(NetworkCreationError);
      await expect(driver.createNetwork({ name: "none" })).rejects.toBeInstanceOf(ConfigurationError);
      await expect(driver.removeNetwork("unknown")).rejects.toBeInstanceOf(NetworkNotFoundError);
      const user = await driver.createContainer(config({ network: "agents" }));
      await expect(driver.removeNetwork("agents")).rejects.toBeInstanceOf(NetworkRemoveError);
      await driver.removeContainer(user.id);
      await driver.removeNetwork(network.id);
      await expect(driver.removeNetwork("agents")).rejects.toBeInstanceOf(NetworkNotFoundError);
    });

    it("keeps each instance's containers, volumes and networks to itself", async () => {
      const first = instant();
      const second = instant();
      const container = await first.createContainer(config());
      await first.createVolume({ name: "shared-name" });
      await first.createNetwork({ name: "shared-name" });
      expect(await second.getContainer(container.id)).toBeNull();
      expect(await second.listContainers()).toEqual([]);
      await expect(second.createVolume({ name: "shared-name" })).resolves.toBeDefined();
      await expect(second.createNetwork({ name: "shared-name" })).resolves.toBeDefined();
      await expect(second.removeVolume("shared-name")).resolves.toBeUndefined();
      expect((await first.healthCheck()).containers.total).toBe(1);
    });
  });
});
