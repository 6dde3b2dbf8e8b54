import * as keyvault from "@pulumi/azure-native/keyvault";
import { permissionModelProblem } from "../components/keyvault/existing";
import { ConfigError } from "../stacks/errors";
import type { StackSettings } from "../stacks/settings";

/**
 * The preflight every mode shares: reads an existing vault and checks that it uses the
 * configured permission model. The KeyVault component reads it again (as an Output, for its
 * values) and checks again; this first read only turns a mismatch into the settings error
 * before anything is declared. Only for an existing vault (`keyVault.existing`).
 */
export async function checkExistingVault(settings: StackSettings): Promise<void> {
    const vault = await keyvault.getVault({ resourceGroupName: settings.keyVault.resourceGroupName, vaultName: settings.keyVault.name });
    const problem = permissionModelProblem(settings.file, settings.keyVault.name, settings.keyVault.permissionModel, vault.properties.enableRbacAuthorization);
    if (problem) throw new ConfigError([problem]);
}
