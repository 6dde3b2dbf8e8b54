import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError } from "../stacks/errors";
import { own, parseExport, readExport } from "../tools/liveExport";

const ARM_SPC = {
    id: "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses/spc-ops-abc1234",
    name: "spc-ops-abc1234",
    type: "Microsoft.SecretSyncController/azureKeyVaultSecretProviderClasses",
    location: "westeurope",
    extendedLocation: {
        name: "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ExtendedLocation/customLocations/cl",
        type: "CustomLocation",
    },
    systemData: { createdBy: "someone@example.com" },
    properties: { keyvaultName: "kv", objects: "array:\n  - |\n    objectName: a\n    objectType: secret\n" },
};

describe("parseExport", () => {
    test("reads az resource list (array) and show (object)", () => {
        const [list] = parseExport(JSON.stringify([ARM_SPC]), "x.json");
        expect(list).toMatchObject({
            source: "arm",
            type: "microsoft.secretsynccontroller/azurekeyvaultsecretproviderclasses",
            name: "spc-ops-abc1234",
            body: { keyvaultName: "kv" },
            at: "[0]",
        });
        expect(list.scope).toContain("customLocations/cl");
        const [one] = parseExport(JSON.stringify(ARM_SPC), "x.json");
        expect(one.at).toBe("");
        expect(one.name).toBe("spc-ops-abc1234");
    });

    test("takes the last segment of a child resource's name", () => {
        const [ep] = parseExport(
            JSON.stringify({
                ...ARM_SPC,
                name: "inst/kafka-out",
                type: "Microsoft.IoTOperations/instances/dataflowEndpoints",
            }),
            "x.json",
        );
        expect([ep.name, ep.fullName]).toEqual(["kafka-out", "inst/kafka-out"]);
    });

    test("reads kubectl List and one object, with the API group in the type", () => {
        const spc = {
            apiVersion: "secrets-store.csi.x-k8s.io/v1",
            kind: "SecretProviderClass",
            metadata: { name: "aio-default-spc", namespace: "azure-iot-operations", managedFields: [{}] },
            spec: { provider: "azure", parameters: { objects: "array: []" } },
        };
        const objs = parseExport(JSON.stringify({ apiVersion: "v1", kind: "List", items: [spc] }), "k.json");
        expect(objs[0]).toMatchObject({
            source: "kubernetes",
            type: "secretproviderclass.secrets-store.csi.x-k8s.io",
            fullName: "azure-iot-operations/aio-default-spc",
            scope: "azure-iot-operations",
            at: "items[0]",
        });
        expect(parseExport(JSON.stringify(spc), "k.json")[0].body).toEqual(spc.spec);
    });

    test("reads az keyvault secret list, dropping the version from the id", () => {
        const [s] = parseExport(
            JSON.stringify([
                {
                    id: "https://kv-dev.vault.azure.net/secrets/mq-password/0123abcd",
                    attributes: { enabled: true, expires: null },
                    contentType: "text/plain",
                    tags: {},
                },
            ]),
            "v.json",
        );
        expect(s).toMatchObject({
            source: "keyVault",
            name: "mq-password",
            scope: "kv-dev",
            id: "https://kv-dev.vault.azure.net/secrets/mq-password",
        });
    });

    test("refuses what it cannot read, naming the file and the item", () => {
        expect(() => parseExport("{", "bad.json")).toThrow(/bad.json: is not JSON/);
        expect(() => parseExport("[1]", "bad.json")).toThrow(/bad.json: \[0\]: each exported item/);
        expect(() => parseExport('[{"name":"x"}]', "bad.json")).toThrow(ConfigError);
        expect(() => parseExport('"text"', "bad.json")).toThrow(/must be a JSON array or object/);
    });

    test("never reads inherited properties", () => {
        const item = JSON.parse('{"__proto__": {"id": "/x", "type": "t"}, "name": "n"}');
        expect(own(item, "toString")).toBeUndefined();
        expect(() => parseExport(JSON.stringify([item]), "p.json")).toThrow(ConfigError);
    });
});

describe("readExport", () => {
    test("refuses a directory and a missing file", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "live-"));
        expect(() => readExport(dir)).toThrow(/must be a regular file/);
        expect(() => readExport(path.join(dir, "none.json"))).toThrow(/no such file/);
        const file = path.join(dir, "e.json");
        fs.writeFileSync(file, JSON.stringify([ARM_SPC]));
        expect(readExport(file)).toHaveLength(1);
    });
});
