import { parse } from "yaml";
import { objectsHash, parseSpcObjects, renderSpcObjects, SpcObject, spcObjectOf, versionsHash } from "../model/spc";
import { addDays, daysUntil, ROTATION_GRACE_DAYS, rotationWarning } from "../model/expiry";
import {
    KEY_VAULT_ROLES,
    PolicyPermissions,
    readerPermissions,
    readerRoles,
    VaultUsage,
    writerPermissions,
    writerRoles,
} from "../model/permissions";
import { csiDriverConfigurationSettings } from "../components/cluster/extension";
import {
    RESTART_ANNOTATION_PREFIX,
    restartAnnotationKey,
    VERSIONS_ANNOTATION_PREFIX,
    versionsAnnotationKey,
} from "../components/spc/SecretProviderClass";

/** Pure functions: no Pulumi runtime, no mocks. */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const OBJECTS: SpcObject[] = [
    { objectName: "mq-password", objectType: "secret", objectVersion: "", objectAlias: "mq-password.txt" },
    { objectName: "signing-key", objectType: "key", objectVersion: "0123456789abcdef0123456789abcdef" },
    { objectName: "broker-cert", objectType: "cert", objectVersion: "", objectFormat: "pem", filePermission: "0400" },
    { objectName: "api-token", objectType: "secret", objectVersion: "", objectEncoding: "base64" },
    { objectName: "azure-iot-operations", objectType: "secret", objectVersion: "" },
];

/** Parses the rendered string by hand (not through parseSpcObjects) into the shape the provider reads. */
function parseDirect(text: string): Record<string, unknown>[] {
    const root: unknown = parse(text);
    expect(root).not.toBeNull();
    expect(typeof root).toBe("object");
    const array = (root as { array?: unknown }).array;
    expect(Array.isArray(array)).toBe(true);
    return (array as unknown[]).map((item) => {
        expect(typeof item).toBe("string");
        const object: unknown = parse(item as string);
        expect(object !== null && typeof object === "object" && !Array.isArray(object)).toBe(true);
        return object as Record<string, unknown>;
    });
}

/** Fisher-Yates with a fixed seed, so a failure is reproducible. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
    const out = [...items];
    let s = seed;
    for (let i = out.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) % 2147483648;
        const j = s % (i + 1);
        [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
}

describe("renderSpcObjects / parseSpcObjects", () => {
    test("renders `array:` as a list of strings, each a map with name, type and version", () => {
        const text = renderSpcObjects(OBJECTS);
        const root = parse(text) as { array: unknown[] };
        expect(Object.keys(root)).toEqual(["array"]);
        expect(root.array).toHaveLength(OBJECTS.length);
        for (const item of root.array) expect(typeof item).toBe("string");
        for (const object of parseDirect(text)) {
            expect(typeof object.objectName).toBe("string");
            expect(["secret", "key", "cert"]).toContain(object.objectType);
            expect(typeof object.objectVersion).toBe("string");
        }
    });

    test("round trip: parseSpcObjects and yaml.parse both give back the input objects", () => {
        const text = renderSpcObjects(OBJECTS);
        const byName = (a: Record<string, unknown>, b: Record<string, unknown>) =>
            String(a.objectName).localeCompare(String(b.objectName));
        const expected = [...OBJECTS].map((o) => ({ ...o }) as Record<string, unknown>).sort(byName);
        expect([...parseSpcObjects(text)].sort(byName)).toEqual(expected);
        expect([...parseDirect(text)].sort(byName)).toEqual(expected);
    });

    test("a single object renders the shape az iot ops init wrote", () => {
        const text = renderSpcObjects([
            { objectName: "azure-iot-operations", objectType: "secret", objectVersion: "" },
        ]);
        expect(text).toBe(
            'array:\n  - |\n    objectName: azure-iot-operations\n    objectType: secret\n    objectVersion: ""\n',
        );
    });

    test("an empty list renders an empty array", () => {
        expect(parseSpcObjects(renderSpcObjects([]))).toEqual([]);
    });

    test.each([
        ["filePermission", "0644"],
        ["filePermission", "0400"],
        ["filePermission", "644"],
        ["objectAlias", "yes"],
        ["objectAlias", "no"],
        ["objectAlias", "on"],
        ["objectAlias", "null"],
        ["objectAlias", "true"],
        ["objectAlias", "1e3"],
        ["objectAlias", "0x1F"],
        ["objectAlias", "2001-12-14"],
        ["objectAlias", "1:20"],
        ["objectVersion", ""],
        ["objectName", "123"],
        ["objectName", "y"],
    ] as const)("ambiguous scalar %s %j survives as a string", (key, value) => {
        const object: SpcObject = { objectName: "x", objectType: "secret", objectVersion: "", [key]: value };
        const text = renderSpcObjects([object]);
        const [viaParse] = parseSpcObjects(text);
        const [viaYaml] = parseDirect(text);
        expect(viaParse[key]).toBe(value);
        expect(viaYaml[key]).toBe(value);
        // yaml.v3 also keeps reading YAML 1.1 forms (0644, yes) as numbers and booleans.
        const item = (parse(text) as { array: string[] }).array[0];
        expect((parse(item, { version: "1.1" }) as Record<string, unknown>)[key]).toBe(value);
    });

    // Bug: "0o17" is a valid Key Vault object name and file alias, and both YAML 1.2 and Go's
    // yaml.v3 resolve the plain scalar 0o17 as the integer 15; the renderer quotes by YAML 1.1
    // rules only, which do not know the 0o prefix, so it is written unquoted.
    test("a 0o-prefixed name (YAML 1.2 octal) survives as a string", () => {
        const text = renderSpcObjects([{ objectName: "0o17", objectType: "secret", objectVersion: "" }]);
        expect(parseSpcObjects(text)[0].objectName).toBe("0o17");
    });

    test("order is deterministic and independent of input order", () => {
        const reference = renderSpcObjects(OBJECTS);
        for (let seed = 1; seed <= 20; seed++) expect(renderSpcObjects(shuffled(OBJECTS, seed))).toBe(reference);
        expect(renderSpcObjects([...OBJECTS].reverse())).toBe(reference);
        // Sorted by file name (alias, else name).
        const names = parseSpcObjects(reference).map((o) => String(o.objectAlias ?? o.objectName));
        expect(names).toEqual([...names].sort());
        expect(names).toEqual(["api-token", "azure-iot-operations", "broker-cert", "mq-password.txt", "signing-key"]);
    });

    test("optional keys appear only when set", () => {
        const optional = ["objectAlias", "objectEncoding", "objectFormat", "filePermission"];
        const plain = parseSpcObjects(
            renderSpcObjects([{ objectName: "a", objectType: "secret", objectVersion: "" }]),
        )[0];
        expect(Object.keys(plain).sort()).toEqual(["objectName", "objectType", "objectVersion"]);
        const text = renderSpcObjects([{ objectName: "a", objectType: "secret", objectVersion: "" }]);
        for (const key of optional) expect(text).not.toContain(key);

        const full = parseSpcObjects(
            renderSpcObjects([
                {
                    objectName: "a",
                    objectType: "secret",
                    objectVersion: "",
                    objectAlias: "a.txt",
                    objectEncoding: "hex",
                    objectFormat: "pfx",
                    filePermission: "0600",
                },
            ]),
        )[0];
        expect(full).toEqual({
            objectName: "a",
            objectType: "secret",
            objectVersion: "",
            objectAlias: "a.txt",
            objectEncoding: "hex",
            objectFormat: "pfx",
            filePermission: "0600",
        });
        for (const key of optional) {
            const one = parseSpcObjects(
                renderSpcObjects([
                    { objectName: "a", objectType: "secret", objectVersion: "", [key]: String(full[key]) },
                ]),
            )[0];
            expect(Object.keys(one).sort()).toEqual(["objectName", "objectType", "objectVersion", key].sort());
        }
    });

    test("an explicitly undefined optional key is not written", () => {
        const text = renderSpcObjects([
            { objectName: "a", objectType: "secret", objectVersion: "", objectAlias: undefined },
        ]);
        expect(text).not.toContain("objectAlias");
        expect(text).not.toContain("null");
    });

    describe("parseSpcObjects rejects what the provider would not read", () => {
        test("array items that are maps instead of strings", () => {
            const text = 'array:\n  - objectName: a\n    objectType: secret\n    objectVersion: ""\n';
            expect(() => parseSpcObjects(text)).toThrow(/array\[0\] must be a YAML string/);
        });
        test("a second item that is a map", () => {
            const text =
                'array:\n  - |\n    objectName: a\n    objectType: secret\n    objectVersion: ""\n  - { objectName: b }\n';
            expect(() => parseSpcObjects(text)).toThrow(/array\[1\]/);
        });
        test("a missing array", () => {
            expect(() => parseSpcObjects("objects:\n  - a\n")).toThrow(/missing `array`/);
            expect(() => parseSpcObjects("")).toThrow(/missing `array`/);
            expect(() => parseSpcObjects("just a string")).toThrow(/missing `array`/);
        });
        test("an array that is not a list", () => {
            expect(() => parseSpcObjects("array: not-a-list\n")).toThrow(/must be a list/);
            expect(() => parseSpcObjects("array:\n  objectName: a\n")).toThrow(/must be a list/);
        });
        test("a string item that does not hold a map", () => {
            expect(() => parseSpcObjects("array:\n  - just-a-name\n")).toThrow(/must hold a map/);
            expect(() => parseSpcObjects("array:\n  - |\n    - a\n    - b\n")).toThrow(/must hold a map/);
        });
    });
});

describe("objectsHash / versionsHash (the two restart annotations)", () => {
    const objects = renderSpcObjects(OBJECTS);
    const versions = { "mq-password": "v1", "api-token": "v2", "azure-iot-operations": "v3" };

    test("are deterministic", () => {
        expect(objectsHash(objects)).toBe(objectsHash(renderSpcObjects([...OBJECTS].reverse())));
        expect(objectsHash(objects)).toMatch(/^[0-9a-f]{32}$/);
        expect(versionsHash(versions)).toBe(versionsHash({ ...versions }));
        expect(versionsHash(versions)).toMatch(/^[0-9a-f]{32}$/);
    });

    test("the objects hash changes when the objects change", () => {
        expect(objectsHash(renderSpcObjects(OBJECTS.slice(1)))).not.toBe(objectsHash(objects));
        const renamedAlias = renderSpcObjects([{ ...OBJECTS[0], objectAlias: "other.txt" }, ...OBJECTS.slice(1)]);
        expect(objectsHash(renamedAlias)).not.toBe(objectsHash(objects));
        const pinned = renderSpcObjects([{ ...OBJECTS[0], objectVersion: "0123" }, ...OBJECTS.slice(1)]);
        expect(objectsHash(pinned)).not.toBe(objectsHash(objects));
    });

    test.each(Object.keys(versions))("the versions hash changes when the version of %s changes", (name) => {
        expect(versionsHash({ ...versions, [name]: "changed" })).not.toBe(versionsHash(versions));
    });

    test("the versions hash changes when a version is added or removed", () => {
        expect(versionsHash({ ...versions, extra: "v9" })).not.toBe(versionsHash(versions));
        expect(versionsHash({})).not.toBe(versionsHash(versions));
    });

    test("the versions hash does not depend on the key order of the record", () => {
        const reversed = Object.fromEntries(Object.entries(versions).reverse());
        expect(Object.keys(reversed)).not.toEqual(Object.keys(versions));
        expect(versionsHash(reversed)).toBe(versionsHash(versions));
    });

    test("a version moved from one name to another changes the versions hash", () => {
        expect(versionsHash({ a: "1", b: "2" })).not.toBe(versionsHash({ a: "2", b: "1" }));
        expect(versionsHash({ a: "1=b" })).not.toBe(versionsHash({ "a=1": "b" }));
    });
});

describe("spcObjectOf", () => {
    test("maps the catalog fields to the provider's keys", () => {
        expect(
            spcObjectOf({
                name: "cert-a",
                type: "secret",
                version: "0123456789abcdef0123456789abcdef",
                alias: "cert-a.pfx",
                encoding: "base64",
                format: "pfx",
                filePermission: "0440",
            }),
        ).toEqual({
            objectName: "cert-a",
            objectType: "secret",
            objectVersion: "0123456789abcdef0123456789abcdef",
            objectAlias: "cert-a.pfx",
            objectEncoding: "base64",
            objectFormat: "pfx",
            filePermission: "0440",
        });
    });

    test("leaves unset optional fields out entirely", () => {
        const object = spcObjectOf({ name: "k", type: "key", version: "" });
        expect(object).toEqual({ objectName: "k", objectType: "key", objectVersion: "" });
        expect(Object.keys(object).sort()).toEqual(["objectName", "objectType", "objectVersion"]);
    });

    test.each(["secret", "key", "cert"] as const)("keeps type %s as objectType", (type) => {
        expect(spcObjectOf({ name: "n", type, version: "" }).objectType).toBe(type);
    });
});

describe("expiry", () => {
    test("addDays adds whole days in UTC and drops milliseconds", () => {
        expect(addDays("2026-01-01T00:00:00Z", 365)).toBe("2027-01-01T00:00:00Z");
        expect(addDays("2024-02-28T12:30:00Z", 1)).toBe("2024-02-29T12:30:00Z");
        expect(addDays("2026-01-01T00:00:00Z", 0)).toBe("2026-01-01T00:00:00Z");
        expect(addDays("2026-01-10T00:00:00Z", -9)).toBe("2026-01-01T00:00:00Z");
        expect(addDays("2026-01-01T01:00:00+01:00", 1)).toBe("2026-01-02T00:00:00Z");
    });

    test("addDays rejects a value that is not a timestamp", () => {
        expect(() => addDays("not a date", 1)).toThrow(/not an RFC 3339 timestamp/);
    });

    test("daysUntil counts whole days, negative once expired", () => {
        const now = new Date("2026-01-01T00:00:00Z");
        expect(daysUntil("2026-01-31T00:00:00Z", now)).toBe(30);
        expect(daysUntil("2026-01-31T23:59:59Z", now)).toBe(30);
        expect(daysUntil("2026-01-01T00:00:00Z", now)).toBe(0);
        expect(daysUntil("2025-12-31T00:00:00Z", now)).toBe(-1);
        expect(daysUntil("2025-12-31T23:00:00Z", now)).toBe(-1);
    });

    test("rotationWarning: none when validDays >= rotation + 30", () => {
        expect(ROTATION_GRACE_DAYS).toBe(30);
        expect(rotationWarning(365, 180)).toBeUndefined();
        expect(rotationWarning(210, 180)).toBeUndefined();
        expect(rotationWarning(31, 1)).toBeUndefined();
    });

    test("rotationWarning: a message otherwise", () => {
        const message = rotationWarning(209, 180);
        expect(message).toEqual(expect.any(String));
        expect(message).toContain("209");
        expect(message).toContain("180");
        expect(message).toContain("210");
        expect(rotationWarning(180, 180)).toEqual(expect.any(String));
        expect(rotationWarning(30, 90)).toEqual(expect.any(String));
    });

    test("rotationWarning honours a custom grace", () => {
        expect(rotationWarning(190, 180, 10)).toBeUndefined();
        expect(rotationWarning(189, 180, 10)).toContain("10-day");
    });
});

describe("permissions", () => {
    const usages: VaultUsage[] = [];
    for (const mountsKeys of [false, true]) {
        for (const mountsCerts of [false, true]) {
            for (const writesKeys of [false, true]) usages.push({ mountsKeys, mountsCerts, writesKeys });
        }
    }
    const categories: (keyof PolicyPermissions)[] = ["secrets", "keys", "certificates", "storage"];

    test("reader of init's setup: secrets get and list, nothing else", () => {
        expect(readerPermissions({ mountsKeys: false, mountsCerts: false, writesKeys: false })).toEqual({
            secrets: ["get", "list"],
            keys: [],
            certificates: [],
            storage: [],
        });
    });

    test.each(usages)("reader permissions for %o", (usage) => {
        const p = readerPermissions(usage);
        expect(p.secrets).toEqual(["get", "list"]);
        expect(p.keys).toEqual(usage.mountsKeys ? ["get"] : []);
        expect(p.certificates).toEqual(usage.mountsCerts ? ["get"] : []);
        expect(p.storage).toEqual([]);
        expect(Object.keys(p).sort()).toEqual([...categories].sort());
    });

    test.each(usages)("writer permissions never purge, for %o", (usage) => {
        const p = writerPermissions(usage);
        for (const category of categories) {
            expect(p[category]).not.toContain("purge");
            for (const permission of p[category]) expect(permission.toLowerCase()).not.toContain("purge");
        }
        expect(p.secrets).toEqual(expect.arrayContaining(["get", "list", "set"]));
        if (usage.writesKeys) expect(p.keys).toEqual(expect.arrayContaining(["create"]));
        else expect(p.keys).toEqual([]);
    });

    test.each(usages)("reader and writer roles for %o", (usage) => {
        const reader = readerRoles(usage);
        expect(reader[0]).toBe("secretsUser");
        expect(reader.includes("certificateUser")).toBe(usage.mountsCerts);
        expect(reader.includes("cryptoUser")).toBe(usage.mountsKeys);
        expect(reader).toHaveLength(1 + Number(usage.mountsCerts) + Number(usage.mountsKeys));
        const writer = writerRoles(usage);
        expect(writer).toEqual(usage.writesKeys ? ["secretsOfficer", "cryptoOfficer"] : ["secretsOfficer"]);
        for (const role of [...reader, ...writer]) expect(KEY_VAULT_ROLES[role]).toBeDefined();
    });

    test("role ids are GUIDs, distinct, and the documented built-in roles", () => {
        const ids = Object.values(KEY_VAULT_ROLES).map((r) => r.id);
        for (const id of ids) expect(id).toMatch(GUID);
        expect(new Set(ids).size).toBe(ids.length);
        expect(KEY_VAULT_ROLES.secretsUser).toEqual({
            name: "Key Vault Secrets User",
            id: "4633458b-17de-408a-b874-0445c86b69e6",
        });
        expect(KEY_VAULT_ROLES.secretsOfficer).toEqual({
            name: "Key Vault Secrets Officer",
            id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        });
    });
});

describe("csiDriverConfigurationSettings", () => {
    test("init's defaults", () => {
        expect(
            csiDriverConfigurationSettings({
                enableSecretRotation: true,
                rotationPollInterval: "1h",
                syncSecret: false,
            }),
        ).toEqual({
            "secrets-store-csi-driver.enableSecretRotation": "true",
            "secrets-store-csi-driver.rotationPollInterval": "1h",
            "secrets-store-csi-driver.syncSecret.enabled": "false",
        });
    });

    test("settings change the values, as strings", () => {
        expect(
            csiDriverConfigurationSettings({
                enableSecretRotation: false,
                rotationPollInterval: "30m",
                syncSecret: true,
            }),
        ).toEqual({
            "secrets-store-csi-driver.enableSecretRotation": "false",
            "secrets-store-csi-driver.rotationPollInterval": "30m",
            "secrets-store-csi-driver.syncSecret.enabled": "true",
        });
    });

    test("extra entries are added and override the defaults", () => {
        const settings = csiDriverConfigurationSettings({
            enableSecretRotation: true,
            rotationPollInterval: "1h",
            syncSecret: false,
            extra: { "secrets-store-csi-driver.foo": "bar", "secrets-store-csi-driver.syncSecret.enabled": "true" },
        });
        expect(settings).toEqual({
            "secrets-store-csi-driver.enableSecretRotation": "true",
            "secrets-store-csi-driver.rotationPollInterval": "1h",
            "secrets-store-csi-driver.syncSecret.enabled": "true",
            "secrets-store-csi-driver.foo": "bar",
        });
        for (const value of Object.values(settings)) expect(typeof value).toBe("string");
    });
});

describe("restartAnnotationKey", () => {
    const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
    const namePart = (key: string) => {
        expect(key.startsWith(RESTART_ANNOTATION_PREFIX)).toBe(true);
        return key.slice(RESTART_ANNOTATION_PREFIX.length);
    };

    test("a short SPC name is used as is", () => {
        expect(restartAnnotationKey("aio-default-spc")).toBe(`${RESTART_ANNOTATION_PREFIX}aio-default-spc`);
        const exactly63 = "a".repeat(63);
        expect(namePart(restartAnnotationKey(exactly63))).toBe(exactly63);
    });

    test.each([64, 100, 253])("a %i-character SPC name gives a valid name part of at most 63 characters", (length) => {
        const spcName = `spc-${"x".repeat(length - 8)}-end`;
        expect(spcName).toHaveLength(length);
        const part = namePart(restartAnnotationKey(spcName));
        expect(part.length).toBeLessThanOrEqual(63);
        expect(part).toMatch(NAME_PART);
        expect(restartAnnotationKey(spcName)).toBe(restartAnnotationKey(spcName));
    });

    test.each([RESTART_ANNOTATION_PREFIX, VERSIONS_ANNOTATION_PREFIX])(
        "the prefix %s is a valid DNS subdomain",
        (withSlash) => {
            const prefix = withSlash.replace(/\/$/, "");
            expect(prefix.length).toBeLessThanOrEqual(253);
            expect(prefix).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);
        },
    );

    test.each([10, 63, 100])(
        "the versions key of a %i-character SPC name has the same name part as the objects key",
        (length) => {
            const spcName = "s".repeat(length);
            expect(versionsAnnotationKey(spcName)).toBe(
                `${VERSIONS_ANNOTATION_PREFIX}${namePart(restartAnnotationKey(spcName))}`,
            );
            expect(versionsAnnotationKey(spcName)).not.toBe(restartAnnotationKey(spcName));
        },
    );

    test("long names that share a prefix get distinct, stable keys", () => {
        const base = "a".repeat(60);
        const one = restartAnnotationKey(`${base}-one`);
        const two = restartAnnotationKey(`${base}-two`);
        expect(one).not.toBe(two);
        expect(restartAnnotationKey(`${base}-one`)).toBe(one);
        expect(namePart(one).startsWith("a".repeat(40))).toBe(true);
    });
});
