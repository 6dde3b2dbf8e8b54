import * as fs from "node:fs";
import * as path from "node:path";
import { ownershipTags } from "../components/tags";
import { INIT_DEFAULTS } from "../stacks/settings";
import * as wellKnown from "../stacks/wellKnown";
import { CSI_SECRET_NAME, CSI_USED_LABEL, ENVIRONMENT_TAG, READER_SUFFIX } from "../policy/policies";

/** The names program, tools and policy share (stacks/wellKnown.ts) are written down once. */

const ROOT = path.resolve(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");

describe("one home for the shared names", () => {
    it("the policy pack's names are the program's", () => {
        expect(CSI_SECRET_NAME).toBe(wellKnown.CSI_CREDENTIAL_SECRET);
        expect(INIT_DEFAULTS.spSecretName).toBe(wellKnown.CSI_CREDENTIAL_SECRET);
        expect(CSI_USED_LABEL).toBe(wellKnown.CSI_USED_LABEL_KEY);
        expect(ENVIRONMENT_TAG).toBe(wellKnown.TAG_KEYS.environment);
        expect(READER_SUFFIX).toBe(`-${wellKnown.READER_PART}`);
        expect(Object.keys(ownershipTags("p", "s", "e")).sort()).toEqual(Object.values(wellKnown.TAG_KEYS).sort());
        expect(ownershipTags("p", "s", "e")[wellKnown.TAG_KEYS.environment]).toBe("e");
    });

    it.each([
        "policy/policies.ts",
        "components/tags.ts",
        "components/cluster/ClusterStore.ts",
        "stacks/defaults.ts",
        "tools/fleet.ts",
    ])("%s imports them instead of spelling them out", (file) => {
        const text = read(file);
        expect(text).toMatch(/from "(\.\.\/)+stacks\/wellKnown"|from "\.\/wellKnown"/);
        // Quoted literals only: prose in comments may name them.
        for (const literal of [
            '"aio-akv-sp"',
            '"secrets-store.csi.k8s.io/used"',
            '"aio-secrets-environment"',
            '"azure-iot-operations"',
            '"-reader"',
        ]) {
            expect([file, text.includes(literal)]).toEqual([file, false]);
        }
    });
});
