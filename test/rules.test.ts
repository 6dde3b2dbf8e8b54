import {
    arcClusterName,
    dns1123Label,
    dns1123Subdomain,
    durationSeconds,
    environmentName,
    goDuration,
    guid,
    octalFileMode,
    relativeFileName,
    resourceGroupName,
    Rule,
    forceSynchronization,
    secretDataKey,
    semver,
    syncSourcePath,
    syncTargetKey,
    vaultName,
    vaultObjectName,
} from "../stacks/rules";
import * as rules from "../stacks/rules";

/** Each rule: values it accepts, and values it rejects with a message matching a pattern. */
interface RuleCases {
    rule: Rule;
    good: string[];
    bad: [string, RegExp][];
}

const cases: Record<string, RuleCases> = {
    vaultName: {
        rule: vaultName,
        good: ["abc", "kv-aio-dev-01", "a" + "b".repeat(23), "KV1", "a1b"],
        bad: [
            ["ab", /must be 3-24 characters \(is 2\)/],
            ["a" + "b".repeat(24), /must be 3-24 characters \(is 25\)/],
            ["", /must be 3-24 characters \(is 0\)/],
            ["kv_aio", /only letters, digits and hyphens/],
            ["kv.aio", /only letters, digits and hyphens/],
            ["kv aio", /only letters, digits and hyphens/],
            ["1kv-aio", /must start with a letter/],
            ["-kvaio", /must start with a letter/],
            ["kv-aio-", /must end with a letter or digit/],
            ["kv--x", /no consecutive hyphens/],
        ],
    },
    vaultObjectName: {
        rule: vaultObjectName,
        good: ["a", "mq-password", "A1-b2", "x".repeat(127), "1"],
        bad: [
            ["", /must be 1-127 characters \(is 0\)/],
            ["x".repeat(128), /must be 1-127 characters \(is 128\)/],
            ["my_secret", /only letters, digits and hyphens/],
            ["my.secret", /only letters, digits and hyphens/],
            ["my/secret", /only letters, digits and hyphens/],
        ],
    },
    resourceGroupName: {
        rule: resourceGroupName,
        good: ["rg-aio-dev", "rg_aio.dev(1)", "r", "r".repeat(90), "RG.1"],
        bad: [
            ["", /must be 1-90 characters \(is 0\)/],
            ["r".repeat(91), /must be 1-90 characters \(is 91\)/],
            ["rg aio", /only letters, digits, underscores, hyphens, periods and parentheses/],
            ["rg/aio", /only letters, digits, underscores, hyphens, periods and parentheses/],
            ["rg-aio.", /must not end with a period/],
        ],
    },
    arcClusterName: {
        rule: arcClusterName,
        good: ["arc-aio-dev", "a", "1arc_cluster", "a".repeat(63)],
        bad: [
            ["", /must be 1-63 characters \(is 0\)/],
            ["a".repeat(64), /must be 1-63 characters \(is 64\)/],
            ["-arc", /starting with a letter or digit/],
            ["_arc", /starting with a letter or digit/],
            ["arc.dev", /only letters, digits, hyphens and underscores/],
        ],
    },
    guid: {
        rule: guid,
        good: [
            "00000000-0000-0000-0000-000000000000",
            "72f988bf-86f1-41af-91ab-2d7cd011db47",
            "72F988BF-86F1-41AF-91AB-2D7CD011DB47",
        ],
        bad: [
            ["", /must be a GUID/],
            ["72f988bf86f141af91ab2d7cd011db47", /must be a GUID/],
            ["{72f988bf-86f1-41af-91ab-2d7cd011db47}", /must be a GUID/],
            ["72f988bf-86f1-41af-91ab-2d7cd011db4", /must be a GUID/],
            ["72f988bf-86f1-41af-91ab-2d7cd011db47a", /must be a GUID/],
            ["g2f988bf-86f1-41af-91ab-2d7cd011db47", /must be a GUID/],
        ],
    },
    dns1123Label: {
        rule: dns1123Label,
        good: ["azure-iot-operations", "a", "0", "a1-b2", "a".repeat(63)],
        bad: [
            ["", /must be 1-63 characters \(is 0\)/],
            ["a".repeat(64), /must be 1-63 characters \(is 64\)/],
            ["Azure", /DNS-1123 label/],
            ["-aio", /DNS-1123 label/],
            ["aio-", /DNS-1123 label/],
            ["aio.ops", /DNS-1123 label/],
            ["aio_ops", /DNS-1123 label/],
        ],
    },
    dns1123Subdomain: {
        rule: dns1123Subdomain,
        good: ["aio-default-spc", "a", "my.spc.v1", "a".repeat(253)],
        bad: [
            ["", /must be 1-253 characters \(is 0\)/],
            ["a".repeat(254), /must be 1-253 characters \(is 254\)/],
            ["My-SPC", /DNS-1123 subdomain/],
            ["my_spc", /DNS-1123 subdomain/],
            ["-spc", /DNS-1123 subdomain/],
            ["spc-", /DNS-1123 subdomain/],
            ["spc..v1", /DNS-1123 subdomain/],
            [".spc", /DNS-1123 subdomain/],
        ],
    },
    secretDataKey: {
        rule: secretDataKey,
        good: ["password", "tls.crt", ".a", "a.b", "x_y", "k".repeat(253)],
        bad: [
            ["", /must be 1-253 characters \(is 0\)/],
            ["k".repeat(254), /must be 1-253 characters \(is 254\)/],
            ["a/b", /only letters, digits, '-', '_' and '\.'/],
            [".", /must not be '\.' or '\.\.'/],
            ["..", /must not start with '\.\.'/],
            ["..data", /must not start with '\.\.'/],
        ],
    },
    // ARM's pattern on top of Kubernetes' rule (azure-native checks it at preview).
    syncTargetKey: {
        rule: syncTargetKey,
        good: [
            "password",
            "tls.crt",
            "tls.key",
            "ca.crt",
            "ab.c",
            "xy_z",
            "a",
            "ab",
            "a-",
            "A-b_c.d",
            ".a",
            "k".repeat(253),
        ],
        bad: [
            ["a.b", /does not match the pattern Azure Resource Manager checks on a SecretSync targetKey/],
            ["x_y", /does not match the pattern Azure Resource Manager/],
            ["key.", /does not match the pattern Azure Resource Manager/],
            ["ab..c", /does not match the pattern Azure Resource Manager/],
            ["ab._c", /does not match the pattern Azure Resource Manager/],
            ["_a", /does not match the pattern Azure Resource Manager/],
            ["..data", /must not start with '\.\.'/],
            ["k/0", /only letters, digits, '-', '_' and '\.'/],
            ["", /must be 1-253 characters/],
        ],
    },
    syncSourcePath: {
        rule: syncSourcePath,
        good: ["mq-password", "a", "A1--b", "x".repeat(127)],
        bad: [["-token", /sourcePath must start with a letter or digit/]],
    },
    forceSynchronization: {
        rule: forceSynchronization,
        good: ["1", "2026-01-31", "r1 after incident_7", "x".repeat(253)],
        bad: [
            ["", /must not be empty/],
            ["-1", /must start with a letter or digit/],
            [" 1", /must start with a letter or digit/],
            ["x".repeat(254), /at most 253 characters \(is 254\)/],
        ],
    },
    environmentName: {
        rule: environmentName,
        good: ["dev", "prod", "edge-01", "a", "a".repeat(32)],
        bad: [
            ["", /1-32 lower-case letters, digits or '-', starting with a letter/],
            ["a".repeat(33), /1-32 lower-case letters/],
            ["Dev", /lower-case/],
            ["1dev", /starting with a letter/],
            ["-dev", /starting with a letter/],
            ["dev_1", /lower-case letters, digits or '-'/],
        ],
    },
    goDuration: {
        rule: goDuration,
        good: ["1h", "30m", "1h30m", "90s", "1s", "2h0m5s", "0h1m", "2562047h", "2562047h47m16s", "9223372036s"],
        bad: [
            ["", /must be a duration such as 1h, 30m, 1h30m or 90s/],
            ["1 hour", /must be a duration/],
            ["1H", /must be a duration/],
            ["30", /must be a duration/],
            ["m30", /must be a duration/],
            ["30m1h", /must be a duration/],
            ["-1h", /must be a duration/],
            ["0s", /must be at least 1s/],
            ["0h0m", /must be at least 1s/],
            // Go's time.Duration is int64 nanoseconds: 2562047h47m16.854775807s at most.
            ["2562048h", /longer than Go's longest duration/],
            ["2562047h47m17s", /longer than Go's longest duration/],
            ["99999999999999999999h", /longer than Go's longest duration/],
            ["9223372037s", /longer than Go's longest duration/],
        ],
    },
    semver: {
        rule: semver,
        good: ["1.5.3", "0.0.1", "10.20.30", "1.5.3-preview.1", "1.6.0-rc-1"],
        bad: [
            ["", /must be a version such as 1\.5\.3/],
            ["1.5", /must be a version such as 1\.5\.3/],
            ["v1.5.3", /must be a version/],
            ["1.5.3.4", /must be a version/],
            ["1.5.x", /must be a version/],
            ["1.5.3-", /must be a version/],
        ],
    },
    relativeFileName: {
        rule: relativeFileName,
        good: [
            "mq-password.txt",
            "dir/file.pem",
            "a..b",
            ".hidden",
            "a/b/c",
            "a/..b",
            "x".repeat(255),
            `${"x".repeat(255)}/${"y".repeat(255)}`,
            "é".repeat(127),
        ],
        bad: [
            ["", /must not be empty/],
            ["/etc/x", /must be a relative file name \(no leading '\/'\)/],
            ["dir\\file", /must use '\/' as separator/],
            ["..", /must not contain '\.\.'/],
            ["../x", /must not contain '\.\.'/],
            ["a/../b", /must not contain '\.\.'/],
            ["a//b", /must not contain empty or '\.' path segments/],
            ["a/", /must not contain empty or '\.' path segments/],
            ["./a", /must not contain empty or '\.' path segments/],
            [".", /must not contain empty or '\.' path segments/],
            // The CSI driver's atomic writer reserves first segments starting with `..` (`..data`).
            ["..data", /must not start with '\.\.'/],
            ["..2024_01_01/x", /must not start with '\.\.'/],
            ["x".repeat(256), /at most 255 bytes \(one is 256\)/],
            [`a/${"x".repeat(256)}`, /at most 255 bytes/],
            ["é".repeat(128), /at most 255 bytes \(one is 256\)/],
            [Array.from({ length: 17 }, () => "x".repeat(250)).join("/"), /must be at most 4096 bytes/],
            ["a\tb", /control characters/],
            ["a\nb", /control characters/],
            ["a\u0000b", /control characters/],
            ["a\u007fb", /control characters/],
        ],
    },
    octalFileMode: {
        rule: octalFileMode,
        good: ["0644", "0400", "644", "0777", "000"],
        bad: [
            ["999", /must be an octal file mode such as 0644 or 0400/],
            ["0888", /must be an octal file mode/],
            ["", /must be an octal file mode/],
            ["64", /must be an octal file mode/],
            ["00644", /must be an octal file mode/],
            ["0o644", /must be an octal file mode/],
            ["rw-r--r--", /must be an octal file mode/],
            ["1644", /must be an octal file mode/],
        ],
    },
};

describe.each(Object.entries(cases))("rule %s", (_name, { rule, good, bad }) => {
    test.each(good.map((v) => [v.length > 40 ? `${v.slice(0, 12)}... (${v.length} chars)` : JSON.stringify(v), v]))(
        "accepts %s",
        (_label, value) => {
            expect(rule(value)).toBeUndefined();
        },
    );
    test.each(
        bad.map(
            ([v, re]) =>
                [v.length > 40 ? `${v.slice(0, 12)}... (${v.length} chars)` : JSON.stringify(v), v, re] as const,
        ),
    )("rejects %s", (_label, value, message) => {
        const result = rule(value);
        expect(typeof result).toBe("string");
        expect(result).toMatch(message);
    });
});

describe("durationSeconds", () => {
    test.each([
        ["1h", 3600],
        ["30m", 1800],
        ["90s", 90],
        ["1h30m", 5400],
        ["1h1m1s", 3661],
        ["2h0m5s", 7205],
        ["0s", 0],
        ["", 0],
    ])("%p is %p seconds", (value, seconds) => {
        expect(durationSeconds(value)).toBe(seconds);
    });

    test.each(["1 hour", "1.5h", "30m1h", "abc", "1d"])("%p is not a duration (NaN)", (value) => {
        expect(durationSeconds(value)).toBeNaN();
    });

    test("every duration goDuration accepts has at least one second", () => {
        for (const v of cases.goDuration.good) expect(durationSeconds(v)).toBeGreaterThanOrEqual(1);
    });
});

describe("matchesArmSyncPath: ARM's SecretSync path pattern in linear time", () => {
    it("accepts exactly what ARM_SYNC_PATH accepts, on every string of up to 7 characters over a-._/1", () => {
        const alphabet = ["a", "-", ".", "_", "/", "1"];
        let strings = [""];
        let checked = 0;
        for (let length = 1; length <= 7; length++) {
            strings = strings.flatMap((s) => alphabet.map((c) => s + c));
            for (const s of strings) {
                if (rules.matchesArmSyncPath(s) !== rules.ARM_SYNC_PATH.test(s))
                    throw new Error(`differs on ${JSON.stringify(s)}`);
                checked++;
            }
        }
        expect(checked).toBeGreaterThan(300000);
    });

    it("decides a long near-miss at once (the regex backtracks for seconds)", () => {
        const started = Date.now();
        for (const tail of ["_", ".", "/x", "-_"]) expect(rules.matchesArmSyncPath("a".repeat(250) + tail)).toBe(false);
        expect(rules.syncTargetKey("a".repeat(60) + "_")).toMatch(/pattern Azure Resource Manager/);
        expect(Date.now() - started).toBeLessThan(200);
    });
});
