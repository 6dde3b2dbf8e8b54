import { addDays, missedRotationWarning } from "../model/expiry";
import { MOCK_CLOCK } from "../tools/harness";
import { byType, runStack } from "./helpers";

/**
 * A missed rotation keeps the overlap (issue 17, item 11). `time:Rotating` leaves the state on
 * the refresh that finds it due, so after a schedule missed for longer than `rotationDays` one
 * `up --refresh` re-creates both slots' clocks and replaces both passwords. Nothing the program
 * sees then tells which password pods hold, so no password is ever deleted by a replacement:
 * each stays valid until its own end date.
 */

const PASSWORD = "azuread:index/applicationPassword:ApplicationPassword";

describe("a stack deployed long ago whose rotation was missed (harness clock)", () => {
    // dev rotates every 180 days: slot a's clock is due 360 days after the deployment, slot b's 540.
    const deployed = addDays(MOCK_CLOCK, -2 * 365);

    test("no replacement deletes a password: both slots retain their old one", async () => {
        const run = await runStack({ stack: "dev", mode: "up", clock: deployed });
        expect(run.error).toBeUndefined();
        const passwords = byType(run, PASSWORD);
        expect(passwords.map((p) => p.name).sort()).toEqual(["identity-password-a", "identity-password-b"]);
        for (const p of passwords)
            expect({ name: p.name, retainOnDelete: p.retainOnDelete }).toEqual({ name: p.name, retainOnDelete: true });
        // Create-before-delete as before: the new password exists before the old one would go.
        for (const p of passwords) expect(p.deleteBeforeReplace).toBe(false);
    });

    test("the run warns that both slots are due, with the command", async () => {
        const run = await runStack({ stack: "dev", mode: "up", clock: deployed });
        const warnings = run.warnings.filter((w) => w.includes("both service principal password slots are past due"));
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(`slot a since ${addDays(deployed, 360)}`);
        expect(warnings[0]).toContain(`slot b since ${addDays(deployed, 180 + 360)}`);
        expect(warnings[0]).toContain("pulumi up --refresh --stack dev");
        expect(warnings[0]).toMatch(/^Pulumi\.dev\.yaml: /);
    });

    test("a stack on schedule does not warn", async () => {
        const run = await runStack({ stack: "dev", mode: "up" });
        expect(run.warnings.filter((w) => w.includes("past due"))).toEqual([]);
    });
});

describe("missedRotationWarning", () => {
    const now = new Date("2026-06-01T00:00:00Z");

    test("only when both slots are due", () => {
        expect(missedRotationWarning("2026-05-01T00:00:00Z", "2026-07-01T00:00:00Z", now, "dev")).toBeUndefined();
        expect(missedRotationWarning("2026-07-01T00:00:00Z", "2026-05-01T00:00:00Z", now, "dev")).toBeUndefined();
        expect(missedRotationWarning("2026-05-01T00:00:00Z", "2026-06-01T00:00:00Z", now, "dev")).toContain(
            "slot b since 2026-06-01T00:00:00Z",
        );
    });
});
