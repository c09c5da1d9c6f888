/** Names a config key the plugin does not declare, with the nearest one it does. */

/** `unknown setting "batch_size" is ignored (nearest known setting: batch_size_rows)`. */
export function unknownSetting(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const score = distance(name.toLowerCase(), candidate.toLowerCase());
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  const close = best !== undefined && bestScore <= Math.max(2, Math.floor(name.length / 2));
  const contains = known.find((k) => k.includes(name) || name.includes(k));
  const hint = close ? best : contains;
  return `unknown setting ${JSON.stringify(name)} is ignored${hint === undefined ? "" : ` (nearest known setting: ${hint})`}`;
}

/** Levenshtein distance (names are short: the quadratic table is fine). */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1)
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length] ?? 0;
}
