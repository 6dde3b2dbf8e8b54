import * as fs from "node:fs";
import { ConfigError } from "./errors";

/**
 * Text of the files a stack is made of (stack files, Pulumi.yaml, ESC stand-ins, the catalog,
 * a trust bundle), decoded as Pulumi does: UTF-8 only. Pulumi refuses a YAML file that is not
 * valid UTF-8, where Node's lenient decoder would turn bad bytes into U+FFFD and go on with a
 * value nobody wrote. A leading byte order mark is dropped (as the standard tools do).
 */

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The rule a file that is not UTF-8 breaks, for messages. */
export const NOT_UTF8 = "is not valid UTF-8 text (Pulumi reads only UTF-8); save it as UTF-8";

/** The UTF-8 text of `bytes`, or undefined when they are not valid UTF-8. A BOM is dropped. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
    try {
        return decoder.decode(bytes);
    } catch {
        return undefined;
    }
}

/** Reads `file` as UTF-8; bad bytes are a {@link ConfigError} naming `shown` (the file as the user knows it). */
export function readUtf8File(file: string, shown: string): string {
    const text = decodeUtf8(fs.readFileSync(file));
    if (text === undefined) throw new ConfigError([{ file: shown, path: "", rule: NOT_UTF8 }]);
    return text;
}

/**
 * `value` as one POSIX shell word, for the commands messages print for users to paste: single
 * quotes, an embedded `'` written `'\''`. A config key or name from a file can hold `'`, `;`,
 * `$(...)`: quoted this way it stays one argument and runs nothing.
 */
export function shellWord(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}
