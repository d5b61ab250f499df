/**
 * Summary of a V8 .cpuprofile (written by `node --cpu-prof`): self time per function and per
 * component (protobuf decoding, digest, grpc-js, Node internals, GC...), for the report.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One line of a summary: a name and its share of the busy (non-idle) samples. */
export interface ProfileShare {
  readonly name: string;
  readonly selfMs: number;
  readonly percent: number;
}

/** What {@link summariseProfile} returns. */
export interface ProfileSummary {
  /** Sampled time excluding `(idle)`, ms. */
  readonly busyMs: number;
  readonly components: readonly ProfileShare[];
  readonly functions: readonly ProfileShare[];
}

const COMPONENTS: readonly [RegExp, string][] = [
  [/packages\/proto\/src\/gen|@bufbuild\/protobuf/, 'protobuf (ts-proto + @bufbuild/protobuf)'],
  [/packages\/core\/src\/(digest|lanes-kernel)|hash-wasm|^wasm:/, 'state digest (LtHash16, wasm)'],
  [/packages\/core\/src\//, 'core (change application, keys)'],
  [/packages\/bootstrap-client\/src\//, 'client library (sink, apply, session)'],
  [/services\/history-store\/src\//, 'history-store (ingest rules, storage, reads)'],
  [/services\/bootstrap-gateway\/src\//, 'bootstrap-gateway (sessions, wire)'],
  [/node_modules\/lmdb\//, 'lmdb-js'],
  [/packages\/rpc\/src\//, 'rpc glue (errors, streaming)'],
  [/@grpc\/grpc-js/, 'grpc-js'],
  [/tsx|esbuild|get-tsconfig|node:internal\/modules/, 'module loading (tsx, start-up)'],
  [/^node:|^internal\//, 'Node internals (http2, streams, buffers)'],
];

function component(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(program)') return 'V8 / native (program)';
    if (functionName === '(idle)') return '(idle)';
    return 'native builtins';
  }
  for (const [pattern, name] of COMPONENTS) if (pattern.test(url)) return name;
  return 'other JavaScript';
}

function shortUrl(url: string): string {
  for (const marker of ['/node_modules/', '/packages/', '/services/', '/bench/']) {
    const at = url.lastIndexOf(marker);
    if (at >= 0) return url.slice(at + 1).replace(/^node_modules\//, '');
  }
  return url.replace(/^file:\/\//, '');
}

function top(map: Map<string, number>, busy: number, limit: number): ProfileShare[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, micros]) => ({ name, selfMs: micros / 1000, percent: (100 * micros) / busy }));
}

/** Reads and summarises a .cpuprofile: components and the `limit` functions with most self time. */
export function summariseProfile(path: string, limit = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const perComponent = new Map<string, number>();
  const perFunction = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const micros = profile.timeDeltas[i] ?? 0;
    if (node === undefined || micros <= 0) return;
    const name = component(node);
    if (name === '(idle)') return;
    busy += micros;
    perComponent.set(name, (perComponent.get(name) ?? 0) + micros);
    const { functionName, url, lineNumber } = node.callFrame;
    const label =
      url === ''
        ? functionName
        : `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
    perFunction.set(label, (perFunction.get(label) ?? 0) + micros);
  });
  return {
    busyMs: busy / 1000,
    components: top(perComponent, busy, 20),
    functions: top(perFunction, busy, limit),
  };
}

/** The summary as text lines for the report. */
export function profileLines(title: string, summary: ProfileSummary): string[] {
  const lines = [
    `${title}: ${summary.busyMs.toFixed(0)} ms of sampled CPU (idle excluded)`,
    '  by component:',
  ];
  for (const c of summary.components)
    lines.push(`    ${c.percent.toFixed(1).padStart(5)} %  ${c.name}`);
  lines.push('  top self-time functions:');
  for (const f of summary.functions)
    lines.push(`    ${f.percent.toFixed(1).padStart(5)} %  ${f.name}`);
  return lines;
}
