import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigError, Problem } from "./errors";
import { readUtf8File } from "./text";
import { readYaml } from "./yaml";

/**
 * Where a project's stack files (`Pulumi.<stack>.yaml`) live, as the Pulumi CLI finds them:
 * Pulumi.yaml's `stackConfigDir` (pulumi/pulumi sdk/go/common/workspace/project.go), relative to
 * the project, else beside Pulumi.yaml. Read by the program and every tool (plan, plan --all,
 * --stacks, --changed, promote, bench, the harness).
 */

/** `stackConfigDir` of a Pulumi.yaml text; undefined when it has none. */
export function parseStackConfigDir(text: string, file: string): { dir?: string; problems: Problem[] } {
    const read = readYaml(text, file, { merge: true });
    if (read.problems.length > 0) return { problems: read.problems };
    const root = read.value;
    if (root === null || typeof root !== "object" || Array.isArray(root) || !Object.hasOwn(root, "stackConfigDir"))
        return { problems: [] };
    const dir = (root as Record<string, unknown>).stackConfigDir;
    if (dir === null || dir === undefined) return { problems: [] };
    if (typeof dir !== "string" || dir.trim() === "")
        return {
            problems: [
                { file, path: "stackConfigDir", rule: "must be a folder, relative to the project (e.g. stacks)" },
            ],
        };
    return { dir, problems: [] };
}

/**
 * The folder of the stack files of the project in `projectDir` (absolute). Throws a ConfigError for a bad Pulumi.yaml.
 */
export function stackFilesDir(projectDir: string): string {
    const projectFile = path.join(projectDir, "Pulumi.yaml");
    if (!fs.existsSync(projectFile)) return projectDir;
    const parsed = parseStackConfigDir(readUtf8File(projectFile, "Pulumi.yaml"), "Pulumi.yaml");
    if (parsed.problems.length > 0) throw new ConfigError(parsed.problems);
    // Go's filepath.Join, as the CLI joins them: an absolute stackConfigDir is still below the project.
    return parsed.dir === undefined ? projectDir : path.join(path.resolve(projectDir), parsed.dir);
}

/** {@link stackFilesDir}, or the message of its problem (for the command-line tools). */
export function stackFilesDirOrError(projectDir: string): { dir: string } | { error: string } {
    try {
        return { dir: stackFilesDir(projectDir) };
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return { error: e.message };
    }
}
