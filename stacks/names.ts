/** "Did you mean" hints for misspelt names. Pure. */

/** Levenshtein distance. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let prev = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const tmp = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
            prev = tmp;
        }
    }
    return row[b.length];
}

/** The candidate closest to `name` within `maxDistance` edits (ties: the first), if any. */
export function closest(name: string, candidates: Iterable<string>, maxDistance = 2): string | undefined {
    let best: string | undefined;
    let bestDistance = maxDistance + 1;
    for (const c of candidates) {
        const d = editDistance(name, c);
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best;
}

/** ` (did you mean "x"?)`, or "" without a close candidate. */
export function didYouMean(name: string, candidates: Iterable<string>, maxDistance = 2): string {
    const hint = closest(name, candidates, maxDistance);
    return hint !== undefined ? ` (did you mean "${hint}"?)` : "";
}

/** Names for a warning: the first few, then how many more. */
export function someNames(names: readonly string[]): string {
    return names.length <= 5 ? names.join(", ") : `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`;
}
