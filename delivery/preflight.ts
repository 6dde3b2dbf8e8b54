import * as keyvault from "@pulumi/azure-native/keyvault";
import { permissionModelProblem } from "../components/keyvault/existing";
import { existingNetworkProblem } from "../components/keyvault/network";
import { ConfigError } from "../stacks/errors";
import { isNotFound, oneStepSwitchProblem } from "../stacks/migration";
import type { StackSettings } from "../stacks/settings";

/**
 * The preflight every mode shares: reads an existing vault and checks that it uses the
 * configured permission model. The KeyVault component reads it again (as an Output, for its
 * values) and checks again; this first read only turns a mismatch into the settings error
 * before anything is declared; the same for its firewall against `keyVault.network`. Only for an existing vault
 * (`keyVault.existing`).
 */
export async function checkExistingVault(settings: StackSettings): Promise<void> {
    const vault = await keyvault.getVault({
        resourceGroupName: settings.keyVault.resourceGroupName,
        vaultName: settings.keyVault.name,
    });
    const problem = permissionModelProblem(
        settings.file,
        settings.keyVault.name,
        settings.keyVault.permissionModel,
        vault.properties.enableRbacAuthorization,
    );
    // keyVault.network on an existing vault is what the vault must already have (components/keyvault/network.ts).
    const network = existingNetworkProblem(
        settings.file,
        settings.keyVault.name,
        settings.keyVault.network,
        vault.properties,
        settings.keyVault.publicNetworkAccess,
    );
    const problems = [problem, network].filter((p) => p !== undefined);
    if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * A secret-sync stack whose (stack-made) vault already exists with access policies is a CSI
 * stack switched in one step: refused before anything is declared (stacks/migration.ts). Not
 * for an existing vault (`checkExistingVault` refuses a model mismatch there).
 */
export async function checkNoOneStepSwitch(settings: StackSettings): Promise<void> {
    if (settings.keyVault.existing) return;
    let found: { enableRbacAuthorization?: boolean } | undefined;
    try {
        const vault = await keyvault.getVault({
            resourceGroupName: settings.keyVault.resourceGroupName,
            vaultName: settings.keyVault.name,
        });
        found = { enableRbacAuthorization: vault.properties.enableRbacAuthorization };
    } catch (e) {
        if (!isNotFound(e)) throw e;
    }
    const problem = oneStepSwitchProblem(
        { file: settings.file, delivery: settings.delivery, keyVaultName: settings.keyVault.name },
        found,
    );
    if (problem) throw new ConfigError([problem]);
}
