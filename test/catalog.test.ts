import { stringify } from "yaml";
import {
    Catalog,
    CATALOG_FILE,
    DEFAULT_SPC_NAMES,
    environmentsOverlap,
    fileNameOf,
    parseCatalog,
    secretsForEnvironment,
} from "../stacks/catalog";
import { formatProblem, Problem } from "../stacks/errors";

/** Parses and expects success. */
function catalogOf(text: string): Catalog {
    const result = parseCatalog(text);
    expect(result.problems.map(formatProblem)).toEqual([]);
    expect(result.catalog).toBeDefined();
    return result.catalog!;
}

/** Parses and expects failure; returns the problems. */
function problemsOf(text: string): Problem[] {
    const result = parseCatalog(text);
    expect(result.catalog).toBeUndefined();
    expect(result.problems.length).toBeGreaterThan(0);
    return result.problems;
}

/** Parses and expects exactly one problem. */
function onlyProblem(text: string): Problem {
    const problems = problemsOf(text);
    expect(problems.map(formatProblem)).toHaveLength(1);
    return problems[0];
}

/** A catalog from an object, as YAML text. */
function yamlOf(catalog: Record<string, unknown>): string {
    return stringify(catalog);
}

/** A catalog with the given secrets (and optional top-level keys). */
function withSecrets(secrets: Record<string, unknown>[], rest: Record<string, unknown> = {}): string {
    return yamlOf({ ...rest, secrets });
}

describe("a valid catalog", () => {
    const text = `# the catalog
environments: [dev, staging, prod]
secretProviderClasses:
  aio-default-spc:
    restart:
      - { kind: StatefulSet, name: aio-dp-reader-worker }
  my-app-spc:
    restart:
      - { kind: Deployment, name: my-app, namespace: apps }
    pods: 3
  aio-opc-ua-broker-trust-list:
secrets:
  - name: mq-password
    source: config
  - name: api-key
    type: key
    source: generated
    keySize: 3072
    spcs: [my-app-spc]
    environments: [prod]
  - name: broker-cert
    type: cert
    source: existing
    spcs: [aio-opc-ua-broker-client-certificate]
    version: 0123456789abcdef0123456789ABCDEF
    alias: certs/broker.pem
    filePermission: "0644"
`;

    test('defaults: type secret, spcs [], version "", deleteOnRemove false', () => {
        const c = catalogOf(text);
        expect(c.file).toBe(CATALOG_FILE);
        expect(c.file).toBe("stacks/secrets.yaml");
        expect(c.environments).toEqual(["dev", "staging", "prod"]);
        expect(c.secrets[0]).toMatchObject({
            name: "mq-password",
            type: "secret",
            source: "config",
            spcs: [],
            version: "",
            deleteOnRemove: false,
            index: 0,
        });
        expect(c.secrets[0].environments).toBeUndefined();
        expect(c.secrets[0].alias).toBeUndefined();
    });

    test("entries keep their fields, index and line", () => {
        const c = catalogOf(text);
        expect(c.secrets.map((s) => s.name)).toEqual(["mq-password", "api-key", "broker-cert"]);
        expect(c.secrets[1]).toMatchObject({
            type: "key",
            source: "generated",
            keySize: 3072,
            spcs: ["my-app-spc"],
            environments: ["prod"],
            index: 1,
        });
        expect(c.secrets[2]).toMatchObject({
            type: "cert",
            version: "0123456789abcdef0123456789ABCDEF",
            alias: "certs/broker.pem",
            filePermission: "0644",
            index: 2,
        });
        expect(c.secrets.map((s) => s.line)).toEqual([13, 15, 21]);
    });

    test("the five default SPCs always exist, declared ones are added", () => {
        const c = catalogOf(text);
        for (const name of DEFAULT_SPC_NAMES) expect(c.spcs.get(name)?.isDefault).toBe(true);
        expect(c.spcs.get("aio-default-spc")?.restart).toEqual([{ kind: "StatefulSet", name: "aio-dp-reader-worker" }]);
        expect(c.spcs.get("aio-opc-ua-broker-trust-list")).toEqual({
            name: "aio-opc-ua-broker-trust-list",
            restart: [],
            pods: undefined,
            isDefault: true,
        });
        expect(c.spcs.get("my-app-spc")).toEqual({
            name: "my-app-spc",
            restart: [{ kind: "Deployment", name: "my-app", namespace: "apps" }],
            pods: 3,
            isDefault: false,
        });
        expect([...c.spcs.keys()].sort()).toEqual([...DEFAULT_SPC_NAMES, "my-app-spc"].sort());
    });

    test("the five defaults exist even when no SPC is declared", () => {
        const c = catalogOf("secrets: []\n");
        expect([...c.spcs.keys()]).toEqual([...DEFAULT_SPC_NAMES]);
        expect(DEFAULT_SPC_NAMES).toEqual([
            "aio-default-spc",
            "aio-opc-ua-broker-client-certificate",
            "aio-opc-ua-broker-user-authentication",
            "aio-opc-ua-broker-trust-list",
            "aio-opc-ua-broker-issuer-list",
        ]);
        expect(c.secrets).toEqual([]);
        expect(c.environments).toBeUndefined();
    });

    test("a secret can mount a default SPC without declaring it", () => {
        const c = catalogOf(withSecrets([{ name: "a", source: "existing", spcs: ["aio-opc-ua-broker-issuer-list"] }]));
        expect(c.secrets[0].spcs).toEqual(["aio-opc-ua-broker-issuer-list"]);
    });
});

describe("file-level problems", () => {
    test("YAML syntax error", () => {
        const p = onlyProblem("secrets:\n  - name: a\n    source: [config\n");
        expect(p.file).toBe("stacks/secrets.yaml");
        expect(p.rule).toMatch(/^YAML syntax: /);
    });

    test("YAML syntax error carries a line number", () => {
        const p = onlyProblem("secrets:\n  - name: a\n    source: [config\n");
        // The unclosed flow sequence opens on line 3; the parser notices at the end (line 4).
        expect(p.line).toBeGreaterThanOrEqual(3);
        expect(p.line).toBeLessThanOrEqual(4);
        expect(formatProblem(p)).toMatch(/^stacks\/secrets\.yaml:\d+: YAML syntax: /);
    });

    test("duplicate YAML keys are rejected", () => {
        const p = onlyProblem("secrets: []\nsecretProviderClasses: {}\nsecrets: []\n");
        expect(p.rule).toBe("YAML syntax: Map keys must be unique");
    });

    test("duplicate keys inside a secret entry are rejected", () => {
        const p = onlyProblem("secrets:\n  - name: a\n    source: config\n    name: b\n");
        expect(p.rule).toMatch(/Map keys must be unique/);
    });

    test("duplicate YAML keys carry the line of the second key", () => {
        const p = onlyProblem("secrets: []\nsecretProviderClasses: {}\nsecrets: []\n");
        expect(p.line).toBe(3);
    });

    test.each(["", "\n", "# only a comment\n", "---\n"])("empty file %p", (text) => {
        expect(problemsOf(text).map(formatProblem)).toEqual([
            "stacks/secrets.yaml: is empty: declare at least `secrets: []`",
        ]);
    });

    test.each(["- a\n- b\n", "hello\n", "42\n"])("non-map root %p", (text) => {
        expect(problemsOf(text).map(formatProblem)).toEqual([
            "stacks/secrets.yaml:1: must be a map with the keys secretProviderClasses and secrets",
        ]);
    });

    test.each([
        [
            "secrets: foo\n",
            'stacks/secrets.yaml:1: secrets "foo": must be a list of secrets (may be empty: secrets: [])',
        ],
        [
            "secrets: {a: 1}\n",
            "stacks/secrets.yaml:1: secrets (a map): must be a list of secrets (may be empty: secrets: [])",
        ],
        ["secrets:\n", "stacks/secrets.yaml:1: secrets null: must be a list of secrets (may be empty: secrets: [])"],
    ])("secrets not a list: %p", (text, message) => {
        expect(problemsOf(text).map(formatProblem)).toEqual([message]);
    });

    test("secrets missing", () => {
        expect(problemsOf("secretProviderClasses: {}\n").map(formatProblem)).toEqual([
            "stacks/secrets.yaml:1: secrets: is required",
        ]);
    });

    test("problems name another file when told", () => {
        const result = parseCatalog("secrets: foo\n", "other/catalog.yaml");
        expect(result.problems[0].file).toBe("other/catalog.yaml");
    });
});

describe("unknown keys", () => {
    test("top level, with the allowed keys and the line", () => {
        expect(problemsOf("secrets: []\nsecret: []\n").map(formatProblem)).toEqual([
            "stacks/secrets.yaml:2: secret: unknown key; allowed keys here: environments, secretProviderClasses, secrets, mqResources, secretSyncs",
        ]);
    });

    test("in an SPC", () => {
        expect(
            problemsOf("secretProviderClasses:\n  my-spc:\n    restarts: []\nsecrets: []\n").map(formatProblem),
        ).toEqual([
            "stacks/secrets.yaml:3: secretProviderClasses.my-spc.restarts: unknown key; allowed keys here: restart, pods",
        ]);
    });

    test("in a secret, with the entry's index and name", () => {
        const p = onlyProblem("secrets:\n  - name: mq-password\n    source: config\n    objectAlias: x\n");
        expect(formatProblem(p)).toBe(
            "stacks/secrets.yaml:4: secrets[0] (mq-password).objectAlias: unknown key; allowed keys here: name, type, source, spcs, alias, version, environments, deleteOnRemove, length, keySize, contentType, encoding, format, filePermission, mq, sync, rotate, expiresInDays, notBefore, opcua",
        );
    });

    test("in a restart target", () => {
        const p = onlyProblem(
            "secretProviderClasses:\n  my-spc:\n    restart:\n      - { kind: Deployment, name: app, replicas: 2 }\nsecrets: []\n",
        );
        expect(p.path).toBe("secretProviderClasses.my-spc.restart[0].replicas");
        expect(p.rule).toBe("unknown key; allowed keys here: kind, name, namespace");
    });
});

describe("secret names", () => {
    test("an underscore", () => {
        expect(formatProblem(onlyProblem(withSecrets([{ name: "mq_password", source: "config" }])))).toBe(
            'stacks/secrets.yaml:2: secrets[0] (mq_password).name "mq_password": Key Vault object names allow only letters, digits and hyphens',
        );
    });

    test("127 characters is fine, 128 is not", () => {
        catalogOf(withSecrets([{ name: "a".repeat(127), source: "config" }]));
        const p = onlyProblem(withSecrets([{ name: "a".repeat(128), source: "config" }]));
        expect(p.path).toBe(`secrets[0] (${"a".repeat(128)}).name`);
        expect(p.rule).toBe("must be 1-127 characters (is 128)");
    });

    test("name is required", () => {
        const p = onlyProblem(withSecrets([{ source: "config" }]));
        expect(p.path).toBe("secrets[0].name");
        expect(p.rule).toBe("is required");
    });

    test("duplicate names", () => {
        const p = onlyProblem(
            withSecrets([
                { name: "a", source: "config" },
                { name: "b", source: "config" },
                { name: "a", source: "generated" },
            ]),
        );
        expect(formatProblem(p)).toBe(
            'stacks/secrets.yaml:6: secrets[2] (a).name "a": duplicate secret name (first at secrets[0]; Key Vault names are case-insensitive)',
        );
    });

    test("duplicate names that differ only in case", () => {
        const p = onlyProblem(
            withSecrets([
                { name: "MQ-Password", source: "config" },
                { name: "mq-password", source: "config" },
            ]),
        );
        expect(p.path).toBe("secrets[1] (mq-password).name");
        expect(p.rule).toMatch(/duplicate secret name \(first at secrets\[0\]/);
    });
});

describe("type and source", () => {
    test("bad type and source values", () => {
        expect(problemsOf(withSecrets([{ name: "a", type: "password", source: "vault" }])).map(formatProblem)).toEqual([
            'stacks/secrets.yaml:3: secrets[0] (a).type "password": must be one of secret, key, cert',
            'stacks/secrets.yaml:4: secrets[0] (a).source "vault": must be one of config, generated, existing',
        ]);
    });

    test("source is required", () => {
        expect(onlyProblem(withSecrets([{ name: "a" }])).path).toBe("secrets[0] (a).source");
    });

    test.each(["config", "generated"])("cert with source %p", (source) => {
        const p = onlyProblem(withSecrets([{ name: "c", type: "cert", source }]));
        expect(p.path).toBe("secrets[0] (c).source");
        expect(p.rule).toMatch(/^certificates must be `existing`/);
    });

    test("cert existing is fine", () => {
        catalogOf(withSecrets([{ name: "c", type: "cert", source: "existing" }]));
    });

    test("key with source config", () => {
        const p = onlyProblem(withSecrets([{ name: "k", type: "key", source: "config" }]));
        expect(p.path).toBe("secrets[0] (k).source");
        expect(p.rule).toMatch(/^keys cannot take a value from config/);
    });

    test.each(["generated", "existing"])("key with source %p is fine", (source) => {
        catalogOf(withSecrets([{ name: "k", type: "key", source }]));
    });
});

describe("SecretProviderClasses", () => {
    test("a secret referencing an undeclared SPC lists the declared ones", () => {
        const p = onlyProblem(
            withSecrets([{ name: "a", source: "config", spcs: ["aio-default-spc", "my-spc"] }], {
                secretProviderClasses: { "other-spc": {} },
            }),
        );
        expect(p.path).toBe("secrets[0] (a).spcs[1]");
        expect(p.value).toBe('"my-spc"');
        expect(p.rule).toBe(
            "is not a declared SecretProviderClass; add it under secretProviderClasses (declared: aio-default-spc, aio-opc-ua-broker-client-certificate, aio-opc-ua-broker-user-authentication, aio-opc-ua-broker-trust-list, aio-opc-ua-broker-issuer-list, other-spc)",
        );
    });

    test("a secret listing the same SPC twice", () => {
        const problems = problemsOf(
            withSecrets([{ name: "a", source: "config", spcs: ["aio-default-spc", "aio-default-spc"] }]),
        );
        expect(problems.map(formatProblem)).toContain(
            "stacks/secrets.yaml:5: secrets[0] (a).spcs: lists a SecretProviderClass twice",
        );
    });

    // The file-name check walks the entry's spcs without de-duplicating them, so the entry
    // "clashes" with itself: a second, wrong problem naming the entry as its own rival.
    test("a secret listing the same SPC twice is one problem, not a file-name clash with itself", () => {
        const problems = problemsOf(
            withSecrets([{ name: "a", source: "config", spcs: ["aio-default-spc", "aio-default-spc"] }]),
        );
        expect(problems.map(formatProblem)).toEqual([
            "stacks/secrets.yaml:5: secrets[0] (a).spcs: lists a SecretProviderClass twice",
        ]);
    });

    test("a bad SPC name in a secret's spcs", () => {
        const p = onlyProblem(withSecrets([{ name: "a", source: "config", spcs: ["My_SPC"] }]));
        expect(p.path).toBe("secrets[0] (a).spcs[0]");
        expect(p.rule).toMatch(/DNS-1123 subdomain/);
    });

    test.each(["My-SPC", "my_spc", "spc-"])("bad declared SPC name %p", (name) => {
        const p = onlyProblem(`secretProviderClasses:\n  ${name}: {}\nsecrets: []\n`);
        expect(formatProblem(p)).toMatch(
            new RegExp(
                `^stacks/secrets\\.yaml:2: secretProviderClasses\\.${name}: SecretProviderClass name must be a Kubernetes name \\(DNS-1123 subdomain\\)`,
            ),
        );
    });

    test("an SPC declared with null, {} or a restart list", () => {
        const c = catalogOf("secretProviderClasses:\n  a-spc:\n  b-spc: {}\n  c-spc:\n    restart: []\nsecrets: []\n");
        for (const n of ["a-spc", "b-spc", "c-spc"])
            expect(c.spcs.get(n)).toEqual({ name: n, restart: [], pods: undefined, isDefault: false });
    });

    test.each(["Deployment", "StatefulSet", "DaemonSet"])("restart kind %p is fine", (kind) => {
        const c = catalogOf(
            yamlOf({ secretProviderClasses: { "my-spc": { restart: [{ kind, name: "w" }] } }, secrets: [] }),
        );
        expect(c.spcs.get("my-spc")?.restart).toEqual([{ kind, name: "w" }]);
    });

    test.each(["Pod", "deployment", "Job", "ReplicaSet"])("restart kind %p is rejected", (kind) => {
        const problems = problemsOf(
            yamlOf({ secretProviderClasses: { "my-spc": { restart: [{ kind, name: "w" }] } }, secrets: [] }),
        );
        expect(problems).toHaveLength(1);
        expect(problems[0].path).toMatch(/^secretProviderClasses\.my-spc/);
    });

    test("a rejected restart kind names the allowed kinds and the key", () => {
        const p = onlyProblem(
            yamlOf({ secretProviderClasses: { "my-spc": { restart: [{ kind: "Pod", name: "w" }] } }, secrets: [] }),
        );
        expect(p.path).toBe("secretProviderClasses.my-spc.restart[0].kind");
        expect(p.rule).toBe("must be one of Deployment, StatefulSet, DaemonSet");
    });

    test("an SPC that is neither a map nor empty says what it must be", () => {
        const p = onlyProblem("secretProviderClasses:\n  my-spc: 5\nsecrets: []\n");
        expect(p.rule).not.toBe("Invalid input");
        expect(p.rule).toMatch(/map/);
    });

    test("the same workload twice is rejected, with its line", () => {
        const text =
            "secretProviderClasses:\n  my-spc:\n    restart:\n      - { kind: Deployment, name: app }\n      - { kind: Deployment, name: app }\nsecrets: []\n";
        expect(problemsOf(text).map(formatProblem)).toEqual([
            "stacks/secrets.yaml:5: secretProviderClasses.my-spc.restart[1]: lists the same workload twice",
        ]);
    });

    test("same name in another kind or namespace is a different workload", () => {
        const c = catalogOf(
            yamlOf({
                secretProviderClasses: {
                    "my-spc": {
                        restart: [
                            { kind: "Deployment", name: "app" },
                            { kind: "StatefulSet", name: "app" },
                            { kind: "Deployment", name: "app", namespace: "other" },
                        ],
                    },
                },
                secrets: [],
            }),
        );
        expect(c.spcs.get("my-spc")?.restart).toHaveLength(3);
    });

    test("pods must be 1..100000", () => {
        const p = onlyProblem("secretProviderClasses:\n  my-spc:\n    pods: 0\nsecrets: []\n");
        expect(formatProblem(p)).toBe(
            "stacks/secrets.yaml:3: secretProviderClasses.my-spc.pods 0: must be a whole number from 1 to 100000",
        );
    });
});

describe("alias and file names", () => {
    test.each([
        ["/etc/x", "must be a relative file name (no leading '/')"],
        ["../x", "must not contain '..'"],
        ["a/../../x", "must not contain '..'"],
        ["a//b", "must not contain empty or '.' path segments"],
        ["", "must not be empty"],
    ])("alias %p is rejected", (alias, rule) => {
        const p = onlyProblem(withSecrets([{ name: "a", source: "config", alias }]));
        expect(p.path).toBe("secrets[0] (a).alias");
        expect(p.value).toBe(JSON.stringify(alias));
        expect(p.rule).toBe(rule);
    });

    test("a relative alias with directories is fine", () => {
        expect(catalogOf(withSecrets([{ name: "a", source: "config", alias: "certs/a.pem" }])).secrets[0].alias).toBe(
            "certs/a.pem",
        );
    });

    test("two aliases clash in one SPC", () => {
        const text = withSecrets([
            { name: "a", source: "existing", spcs: ["aio-default-spc"], alias: "f.txt" },
            { name: "b", source: "existing", spcs: ["aio-default-spc"], alias: "f.txt" },
        ]);
        expect(problemsOf(text).map(formatProblem)).toEqual([
            'stacks/secrets.yaml:11: secrets[1] (b).alias: file name "f.txt" is already used in SecretProviderClass aio-default-spc by secrets[0] (a); set a distinct alias',
        ]);
    });

    test("an alias equal to another entry's name clashes", () => {
        const p = onlyProblem(
            withSecrets([
                { name: "mq-password", source: "config", spcs: ["aio-default-spc"] },
                { name: "other", source: "config", spcs: ["aio-default-spc"], alias: "mq-password" },
            ]),
        );
        expect(p.path).toBe("secrets[1] (other).alias");
        expect(p.rule).toMatch(
            /file name "mq-password" is already used in SecretProviderClass aio-default-spc by secrets\[0\] \(mq-password\)/,
        );
    });

    test("a name equal to an earlier alias clashes, reported on the name", () => {
        const p = onlyProblem(
            withSecrets([
                { name: "other", source: "config", spcs: ["aio-default-spc"], alias: "mq-password" },
                { name: "mq-password", source: "config", spcs: ["aio-default-spc"] },
            ]),
        );
        expect(p.path).toBe("secrets[1] (mq-password).name");
        expect(p.rule).toMatch(/already used .* by secrets\[0\] \(other\)/);
    });

    test("the same alias in different SPCs is fine", () => {
        catalogOf(
            withSecrets([
                { name: "a", source: "existing", spcs: ["aio-default-spc"], alias: "f.txt" },
                { name: "b", source: "existing", spcs: ["aio-opc-ua-broker-trust-list"], alias: "f.txt" },
            ]),
        );
    });

    test("the same alias is fine when the environments do not overlap", () => {
        const c = catalogOf(
            withSecrets([
                { name: "a", source: "existing", spcs: ["aio-default-spc"], alias: "f.txt", environments: ["dev"] },
                {
                    name: "b",
                    source: "existing",
                    spcs: ["aio-default-spc"],
                    alias: "f.txt",
                    environments: ["prod", "staging"],
                },
            ]),
        );
        expect(c.secrets.map(fileNameOf)).toEqual(["f.txt", "f.txt"]);
    });

    test.each([
        [["dev", "staging"], ["staging"]],
        [undefined, ["prod"]],
        [["prod"], undefined],
    ])("the same alias clashes when environments %j and %j overlap", (a, b) => {
        const p = onlyProblem(
            withSecrets([
                {
                    name: "a",
                    source: "existing",
                    spcs: ["aio-default-spc"],
                    alias: "f.txt",
                    ...(a ? { environments: a } : {}),
                },
                {
                    name: "b",
                    source: "existing",
                    spcs: ["aio-default-spc"],
                    alias: "f.txt",
                    ...(b ? { environments: b } : {}),
                },
            ]),
        );
        expect(p.path).toBe("secrets[1] (b).alias");
    });

    test("a clash is found even when the first clash candidate does not overlap", () => {
        const p = onlyProblem(
            withSecrets([
                { name: "a", source: "existing", spcs: ["aio-default-spc"], alias: "f.txt", environments: ["dev"] },
                { name: "b", source: "existing", spcs: ["aio-default-spc"], alias: "f.txt", environments: ["prod"] },
                { name: "c", source: "existing", spcs: ["aio-default-spc"], alias: "f.txt", environments: ["prod"] },
            ]),
        );
        expect(p.path).toBe("secrets[2] (c).alias");
        expect(p.rule).toMatch(/by secrets\[1\] \(b\)/);
    });

    test("file names are case-sensitive in the pod", () => {
        catalogOf(
            withSecrets([
                { name: "a", source: "existing", spcs: ["aio-default-spc"], alias: "F.txt" },
                { name: "b", source: "existing", spcs: ["aio-default-spc"], alias: "f.txt" },
            ]),
        );
    });
});

describe("fields that apply only to some entries", () => {
    test.each([
        [{ type: "secret", source: "generated" }, true],
        [{ type: "secret", source: "config" }, false],
        [{ type: "secret", source: "existing" }, false],
        [{ type: "key", source: "generated" }, false],
    ])("length on %j: allowed %p", (entry, allowed) => {
        const text = withSecrets([{ name: "a", ...entry, length: 32 }]);
        if (allowed) expect(catalogOf(text).secrets[0].length).toBe(32);
        else
            expect(onlyProblem(text)).toMatchObject({
                path: "secrets[0] (a).length",
                rule: "applies only to generated secrets (type secret, source generated)",
            });
    });

    test.each([
        [15, false],
        [16, true],
        [4096, true],
        [4097, false],
    ])("length %p in range 16..4096: %p", (length, ok) => {
        const text = withSecrets([{ name: "a", source: "generated", length }]);
        if (ok) catalogOf(text);
        else expect(onlyProblem(text).rule).toBe("must be a whole number from 16 to 4096");
    });

    test.each([
        [{ type: "key", source: "generated" }, true],
        [{ type: "key", source: "existing" }, false],
        [{ type: "secret", source: "generated" }, false],
    ])("keySize on %j: allowed %p", (entry, allowed) => {
        const text = withSecrets([{ name: "a", ...entry, keySize: 2048 }]);
        if (allowed) expect(catalogOf(text).secrets[0].keySize).toBe(2048);
        else
            expect(onlyProblem(text)).toMatchObject({
                path: "secrets[0] (a).keySize",
                rule: "applies only to generated keys (type key, source generated)",
            });
    });

    test("keySize must be 2048, 3072 or 4096", () => {
        expect(onlyProblem(withSecrets([{ name: "a", type: "key", source: "generated", keySize: 1024 }])).rule).toBe(
            "must be 2048, 3072 or 4096",
        );
    });

    test.each([
        ["secret", true],
        ["key", false],
        ["cert", false],
    ])("encoding on type %p: allowed %p", (type, allowed) => {
        const text = withSecrets([{ name: "a", type, source: "existing", encoding: "base64" }]);
        if (allowed) expect(catalogOf(text).secrets[0].encoding).toBe("base64");
        else
            expect(onlyProblem(text)).toMatchObject({
                path: "secrets[0] (a).encoding",
                rule: "objectEncoding applies only to secrets (type secret)",
            });
    });

    test("encoding values", () => {
        for (const encoding of ["utf-8", "hex", "base64"])
            catalogOf(withSecrets([{ name: "a", source: "existing", encoding }]));
        expect(onlyProblem(withSecrets([{ name: "a", source: "existing", encoding: "utf8" }])).rule).toBe(
            "must be one of utf-8, hex, base64",
        );
    });

    test.each([
        ["secret", true],
        ["key", false],
        ["cert", false],
    ])("format pfx on type %p: allowed %p", (type, allowed) => {
        const text = withSecrets([{ name: "a", type, source: "existing", format: "pfx" }]);
        if (allowed) expect(catalogOf(text).secrets[0].format).toBe("pfx");
        else
            expect(onlyProblem(text)).toMatchObject({
                path: "secrets[0] (a).format",
                rule: expect.stringMatching(/^pfx applies only to type secret/),
            });
    });

    test("format pem on a cert is fine", () => {
        catalogOf(withSecrets([{ name: "a", type: "cert", source: "existing", format: "pem" }]));
    });

    test.each(["0644", "0400", "644"])("filePermission %p is fine", (filePermission) => {
        expect(
            catalogOf(withSecrets([{ name: "a", source: "existing", filePermission }])).secrets[0].filePermission,
        ).toBe(filePermission);
    });

    test.each(["999", "0888", "rw-r--r--"])("filePermission %p is rejected", (filePermission) => {
        const p = onlyProblem(withSecrets([{ name: "a", source: "existing", filePermission }]));
        expect(formatProblem(p)).toBe(
            `stacks/secrets.yaml:4: secrets[0] (a).filePermission ${JSON.stringify(filePermission)}: must be an octal file mode such as 0644 or 0400 (a string, quoted in YAML)`,
        );
    });

    test("an unquoted filePermission is a number and must be quoted", () => {
        const p = onlyProblem("secrets:\n  - name: a\n    source: existing\n    filePermission: 0644\n");
        expect(p.path).toBe("secrets[0] (a).filePermission");
        expect(p.rule).toMatch(/must be a string \(quote numbers/);
    });

    test.each(["", "0123456789abcdef0123456789abcdef"])("version %p on an existing secret is fine", (version) => {
        expect(catalogOf(withSecrets([{ name: "a", source: "existing", version }])).secrets[0].version).toBe(version);
    });

    test.each([
        "abc",
        "latest",
        "0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0",
        "0123456789abcdef0123456789abcdeg",
    ])("version %p is rejected", (version) => {
        const p = onlyProblem(withSecrets([{ name: "a", source: "existing", version }]));
        expect(p.path).toBe("secrets[0] (a).version");
        expect(p.rule).toBe('must be "" (latest) or a 32-character Key Vault version id');
    });

    test.each(["config", "generated"])("a pinned version on source %p is rejected", (source) => {
        const p = onlyProblem(withSecrets([{ name: "a", source, version: "0123456789abcdef0123456789abcdef" }]));
        expect(p.path).toBe("secrets[0] (a).version");
        expect(p.rule).toMatch(/^a pinned version applies only to existing objects/);
    });

    test("contentType only on secrets, at most 255 chars", () => {
        catalogOf(withSecrets([{ name: "a", source: "generated", contentType: "x".repeat(255) }]));
        expect(
            onlyProblem(withSecrets([{ name: "a", source: "generated", contentType: "x".repeat(256) }])).rule,
        ).toMatch(/at most 255/);
        expect(onlyProblem(withSecrets([{ name: "a", type: "key", source: "generated", contentType: "x" }])).path).toBe(
            "secrets[0] (a).contentType",
        );
    });

    test("deleteOnRemove on an existing object is rejected", () => {
        expect(onlyProblem(withSecrets([{ name: "a", source: "existing", deleteOnRemove: true }])).path).toBe(
            "secrets[0] (a).deleteOnRemove",
        );
        expect(
            catalogOf(withSecrets([{ name: "a", source: "generated", deleteOnRemove: true }])).secrets[0]
                .deleteOnRemove,
        ).toBe(true);
    });
});

describe("environments", () => {
    test("entries must be in the top-level list when it exists", () => {
        const p = onlyProblem(
            withSecrets([{ name: "a", source: "config", environments: ["dev", "stagin"] }], {
                environments: ["dev", "staging", "prod"],
            }),
        );
        expect(formatProblem(p)).toBe(
            'stacks/secrets.yaml:10: secrets[0] (a).environments[1] "stagin": is not one of the catalog\'s environments (dev, staging, prod)',
        );
    });

    test("any valid name is fine without a top-level list", () => {
        expect(
            catalogOf(withSecrets([{ name: "a", source: "config", environments: ["edge-7"] }])).secrets[0].environments,
        ).toEqual(["edge-7"]);
    });

    test("an empty list is rejected", () => {
        expect(onlyProblem(withSecrets([{ name: "a", source: "config", environments: [] }])).rule).toBe(
            "must list at least one environment (omit the key for all)",
        );
        expect(onlyProblem(yamlOf({ environments: [], secrets: [] })).rule).toBe("must list at least one environment");
    });

    test("bad environment names", () => {
        const p = onlyProblem(withSecrets([{ name: "a", source: "config", environments: ["Prod"] }]));
        expect(p.path).toBe("secrets[0] (a).environments[0]");
        expect(p.rule).toMatch(/lower-case/);
    });

    test("an environment listed twice", () => {
        expect(onlyProblem(withSecrets([{ name: "a", source: "config", environments: ["dev", "dev"] }])).rule).toBe(
            "lists an environment twice",
        );
        expect(onlyProblem(yamlOf({ environments: ["dev", "dev"], secrets: [] })).path).toBe("environments");
    });
});

describe("messages", () => {
    test("several semantic problems are all reported, each with file, entry path and line", () => {
        const text = `secrets:
  - name: a
    source: config
    length: 20
  - name: c
    type: cert
    source: generated
  - name: A
    source: config
`;
        expect(problemsOf(text).map(formatProblem)).toEqual([
            "stacks/secrets.yaml:4: secrets[0] (a).length: applies only to generated secrets (type secret, source generated)",
            'stacks/secrets.yaml:7: secrets[1] (c).source "generated": certificates must be `existing`: import them into the vault (az keyvault certificate import), then mount them',
            'stacks/secrets.yaml:8: secrets[2] (A).name "A": duplicate secret name (first at secrets[0]; Key Vault names are case-insensitive)',
        ]);
    });

    test("an entry without a string name is shown by index only", () => {
        const p = onlyProblem(withSecrets([{ name: 5, source: "config" }]));
        expect(p.path).toBe("secrets[0].name");
        expect(p.line).toBe(2);
    });
});

describe("environmentsOverlap", () => {
    test.each([
        [undefined, undefined, true],
        [undefined, ["dev"], true],
        [["dev"], undefined, true],
        [["dev"], ["dev"], true],
        [["dev", "staging"], ["staging", "prod"], true],
        [["dev"], ["prod"], false],
        [["dev", "staging"], ["prod"], false],
        [[], ["prod"], false],
    ])("%j and %j: %p", (a, b, expected) => {
        expect(environmentsOverlap(a, b)).toBe(expected);
        expect(environmentsOverlap(b, a)).toBe(expected);
    });
});

describe("fileNameOf", () => {
    test("the alias when set, else the name", () => {
        expect(fileNameOf({ name: "mq-password", alias: "mq.txt" })).toBe("mq.txt");
        expect(fileNameOf({ name: "mq-password" })).toBe("mq-password");
        expect(fileNameOf({ name: "mq-password", alias: undefined })).toBe("mq-password");
    });
});

describe("secretsForEnvironment", () => {
    const c = () =>
        catalogOf(
            withSecrets(
                [
                    { name: "everywhere", source: "generated" },
                    { name: "dev-only", source: "generated", environments: ["dev"] },
                    { name: "dev-staging", source: "generated", environments: ["dev", "staging"] },
                    { name: "prod-only", source: "generated", environments: ["prod"] },
                ],
                { environments: ["dev", "staging", "prod"] },
            ),
        );

    test.each([
        ["dev", ["everywhere", "dev-only", "dev-staging"]],
        ["staging", ["everywhere", "dev-staging"]],
        ["prod", ["everywhere", "prod-only"]],
        ["qa", ["everywhere"]],
    ])("%p gets %j, in catalog order", (env, names) => {
        expect(secretsForEnvironment(c(), env).map((s) => s.name)).toEqual(names);
    });
});

describe("YAML hazards in the catalog", () => {
    test("a syntax error reports the first error only, with its line", () => {
        // An unclosed quote makes the parser report several errors; the first is the one to fix.
        const problems = problemsOf(
            'secrets:\n  - name: "mq-password\n    source: generated\n  - name: other\n    source: [x\n',
        );
        expect(problems).toHaveLength(1);
        expect(formatProblem(problems[0])).toMatch(/^stacks\/secrets\.yaml:2: YAML syntax: /);
    });

    test("an alias bomb is a problem naming the file, not an internal error", () => {
        const bomb =
            "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" +
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nsecrets: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
        expect(formatProblem(onlyProblem(bomb))).toMatch(
            /^stacks\/secrets\.yaml: YAML aliases expand beyond 100 nested uses \(an alias bomb\?\)/,
        );
    });

    test("an alias inside its own anchor is a problem, not a hang or a crash", () => {
        const text =
            "secrets: []\nmqResources:\n  - apiVersion: mq.iotoperations.azure.com/v1beta1\n    kind: Broker\n    metadata: { name: b }\n    spec: &s { loop: *s }\n";
        expect(formatProblem(onlyProblem(text))).toMatch(
            /^stacks\/secrets\.yaml: a YAML alias refers to a value that contains it/,
        );
    });

    test("plain anchors and aliases resolve", () => {
        const catalog = catalogOf(
            "secrets:\n  - { name: a, source: generated, spcs: &spcs [aio-default-spc] }\n  - { name: b, source: generated, spcs: *spcs, alias: b.txt }\n",
        );
        expect(catalog.secrets[1].spcs).toEqual(["aio-default-spc"]);
        const aliased = parseCatalog(
            "secretProviderClasses: { x: &decl { pods: 3 }, y: *decl }\nsecrets: []\n",
        ).catalog!;
        expect(aliased.spcs.get("y")?.pods).toBe(3);
    });

    test.each([
        ["!foo", "!foo"],
        ["!!js/function", "!!js/function"],
        ["!!binary", "!!binary"],
    ])("an unknown tag %s is refused with its line", (tag, shown) => {
        const p = onlyProblem(`secrets:\n  - name: a\n    source: ${tag} generated\n`);
        expect(formatProblem(p)).toBe(
            `stacks/secrets.yaml:3: YAML tag ${shown} is not supported; remove it (values are plain strings, numbers, booleans, lists and maps)`,
        );
    });

    test.each([
        [
            "a secret entry",
            "secrets:\n  - { name: a, source: generated, __proto__: { deleteOnRemove: true } }\n",
            "secrets[0] (a).__proto__",
        ],
        [
            "secretProviderClasses",
            "secretProviderClasses:\n  __proto__: { pods: 3 }\nsecrets: []\n",
            "secretProviderClasses.__proto__",
        ],
        ["the top level", "__proto__: {}\nsecrets: []\n", "__proto__"],
        [
            "an MQ resource spec",
            "secrets: []\nmqResources:\n  - { apiVersion: mq.iotoperations.azure.com/v1beta1, kind: Broker, metadata: { name: b }, spec: { __proto__: { x: 1 } } }\n",
            "mqResources[0].spec.__proto__",
        ],
    ])("__proto__ in %s is an unknown key, not dropped", (_where, text, path) => {
        const p = onlyProblem(text);
        expect(p.path).toBe(path);
        expect(p.rule).toMatch(/^unknown key/);
    });
});

describe("SecretProviderClass names and file paths", () => {
    test("a misspelt SPC in an entry's spcs gets a did-you-mean", () => {
        const p = onlyProblem("secrets:\n  - { name: a, source: generated, spcs: [aio-defualt-spc] }\n");
        expect(p.rule).toMatch(
            /^is not a declared SecretProviderClass \(did you mean "aio-default-spc"\?\); add it under secretProviderClasses/,
        );
    });

    test("an SPC name far from every declared one gets no hint", () => {
        expect(onlyProblem("secrets:\n  - { name: a, source: generated, spcs: [my-app] }\n").rule).not.toMatch(
            /did you mean/,
        );
    });

    test.each([
        ["a", "a/b"],
        ["a/b", "a"],
        ["x/y", "x/y/z"],
    ])("file %s and file %s in one SPC: the driver cannot write both", (first, second) => {
        const text = `secrets:\n  - { name: one, source: generated, spcs: [aio-default-spc], alias: ${first} }\n  - { name: two, source: generated, spcs: [aio-default-spc], alias: ${second} }\n`;
        const p = onlyProblem(text);
        const [file, dir] = first.length > second.length ? [first, second] : [second, first];
        expect(formatProblem(p)).toMatch(
            new RegExp(
                `alias: file name "${file}" needs a directory "${dir}", but secrets\\[\\d\\] \\((one|two)\\) is the file "${dir}" in SecretProviderClass aio-default-spc`,
            ),
        );
    });

    test("a file and a directory of the same name in different SPCs or environments are fine", () => {
        catalogOf(
            "secrets:\n" +
                "  - { name: one, source: generated, spcs: [aio-default-spc], alias: a, environments: [staging] }\n" +
                "  - { name: two, source: generated, spcs: [aio-opc-ua-broker-trust-list], alias: a/b }\n" +
                "  - { name: three, source: generated, spcs: [aio-default-spc], alias: a/c, environments: [prod] }\n" +
                "  - { name: four, source: generated, spcs: [aio-default-spc], alias: a, environments: [dev] }\n",
        );
    });

    test.each([
        ["..data", /must not start with '\.\.'/],
        [`'${"x".repeat(256)}'`, /at most 255 bytes/],
        ['"a\\tb"', /control characters/],
    ])("alias %s the driver's atomic writer refuses", (alias, rule) => {
        expect(onlyProblem(`secrets:\n  - { name: a, source: generated, alias: ${alias} }\n`).rule).toMatch(rule);
    });
});

describe("MQ resources: Azure IoT Operations' API groups only", () => {
    test.each([
        ["apps/v1", false],
        ["v1", false],
        ["cert-manager.io/v1", false],
        ["evil.iotoperations.azure.com.example.org/v1", false],
        ["mq.iotoperations.azure.com/v1beta1", true],
        ["iotoperations.azure.com/v1", true],
    ])("%s accepted: %p", (apiVersion, accepted) => {
        const text = `secrets: []\nmqResources:\n  - apiVersion: ${apiVersion}\n    kind: Deployment\n    metadata: { name: x }\n    spec: {}\n`;
        const { problems } = parseCatalog(text, "stacks/secrets.yaml");
        expect(problems.some((p) => p.path.endsWith("apiVersion"))).toBe(!accepted);
    });
});
