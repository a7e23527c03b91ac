/**
 * "Did you mean" for config keys and environment names (issue 11: `http: { hots: … }` was ignored
 * silently; now the error names the key and the closest known one).
 */

/**
 * Damerau–Levenshtein distance (optimal string alignment): insertions, deletions, substitutions and
 * swaps of two neighbours each cost 1, so `hots` → `host` is 1 and `prot` → `port` is 1.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows are enough for the transposition look-back two rows up.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] as number) + 1);
      current[j] = d;
    }
    [before, previous, current] = [previous, current, before];
  }
  return previous[b.length] as number;
}

/**
 * The known name closest to `name`, or undefined when none is close enough to be a plausible typo. Case,
 * `_` and `-` are ignored first, so `batch_size` finds `batchSize`; otherwise the distance must be at
 * most a third of the name's length (at least 1, at most `maxDistance`), so short unrelated names are not
 * "suggested".
 */
export function closestName(name: string, known: Iterable<string>, maxDistance = 3): string | undefined {
  const folded = fold(name);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const f = fold(candidate);
    if (f === folded) return candidate;
    const d = editDistance(folded, f);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.min(maxDistance, Math.max(1, Math.floor(folded.length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

// --- internal ---

function fold(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '');
}
