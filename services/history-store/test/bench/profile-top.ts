/** Prints the functions with the most self time in a V8 .cpuprofile (from `node --cpu-prof`). */
import { readFileSync } from 'node:fs';

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { functionName: string; url: string; lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function shortUrl(url: string): string {
  for (const marker of ['/node_modules/', '/packages/', '/services/']) {
    const at = url.lastIndexOf(marker);
    if (at >= 0) return url.slice(at + 1).replace(/^node_modules\//, '');
  }
  return url.replace(/^file:\/\//, '');
}

/** The `limit` functions with most self time, as printable lines (share of busy time). */
export function profileTop(path: string, limit = 20): string[] {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const names = new Map<number, string>();
  const parents = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node.id);
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    names.set(
      node.id,
      url === ''
        ? functionName
        : `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`,
    );
  }
  // Unnamed frames without a URL are native code (addons such as lmdb's): name them by caller.
  for (const node of profile.nodes) {
    if (names.get(node.id) !== '') continue;
    const parent = parents.get(node.id);
    names.set(node.id, `(native, from ${parent === undefined ? '?' : names.get(parent)})`);
  }
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const name = names.get(id) ?? '?';
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  self.delete('(idle)');
  const busy = [...self.values()].reduce((a, b) => a + b, 0);
  return [
    `busy ${(busy / 1000).toFixed(0)} ms (main thread, idle excluded)`,
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(
        ([name, us]) =>
          `${((100 * us) / busy).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`,
      ),
  ];
}
