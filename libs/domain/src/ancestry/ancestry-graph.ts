/**
 * The parent/child graph across buckets. A build's parent is the version whose artifact external
 * id equals the build's source image id, or the version it named explicitly (through a channel).
 * Kept as indexes and resolved on demand, so a parent published after its child is still found.
 */
export class AncestryGraph {
  /** source external id -> child version ids */
  private readonly bySource = new Map<string, Set<string>>();
  /** explicit parent version id -> child version ids */
  private readonly byParentVersion = new Map<string, Set<string>>();

  addBuild(versionId: string, sourceExternalId: string | null, parentVersionId: string | null): void {
    if (sourceExternalId) add(this.bySource, sourceExternalId, versionId);
    if (parentVersionId) add(this.byParentVersion, parentVersionId, versionId);
  }

  /** Child version ids of a version, given its artifacts' external ids. */
  childrenOf(versionId: string, artifactIds: Iterable<string>): Set<string> {
    const out = new Set<string>(this.byParentVersion.get(versionId) ?? []);
    for (const id of artifactIds) for (const child of this.bySource.get(id) ?? []) out.add(child);
    out.delete(versionId);
    return out;
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string) {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

/** Breadth-first walk; every node once, so diamonds and (bad-data) cycles are safe. */
export function walk(start: string, next: (id: string) => Iterable<string>, maxDepth = Infinity): { id: string; depth: number; via: string }[] {
  const seen = new Set([start]);
  const out: { id: string; depth: number; via: string }[] = [];
  let frontier = [start];
  for (let depth = 1; frontier.length && depth <= maxDepth; depth++) {
    const nextFrontier: string[] = [];
    for (const from of frontier) {
      for (const id of next(from)) {
        if (seen.has(id)) continue;
        seen.add(id);
        out.push({ id, depth, via: from });
        nextFrontier.push(id);
      }
    }
    frontier = nextFrontier;
  }
  return out;
}
