/**
 * Per-sample seeds. Every random draw comes from a seed derived from (run seed, sample id,
 * perturbation id, method) (DESIGN.md), so results do not depend on batch size, shard or resume.
 * FNV-1a over the parts, finished with a 32-bit avalanche (murmur3's fmix32).
 */
export function deriveSeed(runSeed: number, sampleId: string, perturbation: string, method: string): number {
  let h = 0x811c9dc5;
  const text = `${runSeed}\u0000${sampleId}\u0000${perturbation}\u0000${method}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function seedsFor(runSeed: number, ids: readonly string[], perturbation: string, method: string): Uint32Array {
  return Uint32Array.from(ids, (id) => deriveSeed(runSeed, id, perturbation, method));
}
