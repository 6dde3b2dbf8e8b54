import * as fs from "node:fs";
import * as path from "node:path";
import { checkTrustBundle } from "../stacks/ca";
import { readInsideProject } from "../stacks/load";
import { projectSources } from "../tools/stackfile";
import { configErrorOf, MINIMAL_STACK, PROJECT_DIR, runStack, scratch } from "./helpers";

/**
 * The input edge (issue 17, item 14): what Entra, Kubernetes and Pulumi refuse is refused with
 * the file that holds it, what the standard tools accept is accepted, no secret leaks through
 * a message or a view, and no input makes a tool take unbounded time or write inside `.git`.
 */

const CA_PEM = fs.readFileSync(path.join(PROJECT_DIR, "test/fixtures/ca/example-ca.pem"), "utf8");
const NOW = new Date("2026-06-01T00:00:00Z");
/** Bytes that are not UTF-8 (a Latin-1 "é" and a lone continuation byte). */
const LATIN1 = Buffer.from([0x23, 0x20, 0xe9, 0x0a, 0x80, 0x0a]);

describe("files that are not valid UTF-8 are refused, naming the file; a BOM is accepted", () => {
    test("a stack file", async () => {
        const dir = scratch({});
        const file = path.join(dir, "Pulumi.latin.yaml");
        fs.writeFileSync(file, Buffer.concat([Buffer.from(MINIMAL_STACK), LATIN1]));
        const run = await runStack({ stack: "latin", stackFile: file });
        expect(run.error).toBe("Pulumi.latin.yaml: is not valid UTF-8 text (Pulumi reads only UTF-8); save it as UTF-8");
        expect(run.resources).toEqual([]);
    });

    test("Pulumi.yaml and an ESC stand-in", () => {
        const dir = scratch({ "environments/aio-secrets/e.yaml": "values: {}\n" });
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), Buffer.concat([Buffer.from("name: aio-secrets\nconfig:\n  a: b\n"), LATIN1]));
        expect(configErrorOf(() => projectSources(dir, "aio-secrets"))).toMatch(/^Pulumi\.yaml: is not valid UTF-8/);
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: aio-secrets\n");
        fs.writeFileSync(path.join(dir, "environments/aio-secrets/e.yaml"), Buffer.concat([Buffer.from("values:\n"), LATIN1]));
        const shared = projectSources(dir, "aio-secrets");
        expect(configErrorOf(() => shared.readEnvironment!("environments/aio-secrets/e.yaml"))).toMatch(/^environments\/aio-secrets\/e\.yaml: is not valid UTF-8/);
    });

    test("the catalog", async () => {
        const dir = scratch({ "Pulumi.c.yaml": MINIMAL_STACK });
        fs.writeFileSync(path.join(dir, "secrets.yaml"), Buffer.concat([Buffer.from("secrets: []\n"), LATIN1]));
        const run = await runStack({ stack: "c", stackFile: path.join(dir, "Pulumi.c.yaml"), catalogFile: path.join(dir, "secrets.yaml") });
        expect(run.error).toMatch(/secrets\.yaml: is not valid UTF-8/);
    });

    test("a trust bundle file: bad bytes refused, a BOM read as the standard tools read it", () => {
        const dir = scratch({});
        fs.writeFileSync(path.join(dir, "bad.pem"), Buffer.concat([LATIN1, Buffer.from(CA_PEM)]));
        expect(() => readInsideProject(dir, "bad.pem")).toThrow("is not valid UTF-8");
        fs.writeFileSync(path.join(dir, "bom.pem"), `\uFEFF${CA_PEM}`);
        const text = readInsideProject(dir, "bom.pem");
        expect("bundle" in checkTrustBundle(text, "bom.pem", NOW)).toBe(true);
        // Also when the text reaches the check with its BOM (e.g. from another reader).
        const checked = checkTrustBundle(`\uFEFF${CA_PEM}`, "bom.pem", NOW);
        expect("bundle" in checked && checked.bundle.pem).toBe(CA_PEM);
    });
});
