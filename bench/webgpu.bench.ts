/**
 * Encoder and decoder latency on onnxruntime-web's WebGPU execution provider: full-size ViT-B
 * random-weight graphs, fp32 and fp16 weights, robust and SAM decoder kinds. In Node through Dawn's
 * Node bindings (the `webgpu` package), so that it runs on a headless GPU machine with no browser
 * (bench/device/webgpu-on-gpu.sh carries what it needs there), and in chromium where chromium offers a
 * hardware adapter. Also lists, per graph, the nodes onnxruntime's WebGPU EP leaves to the CPU.
 * Without an adapter (any machine without a GPU) it writes "not measured" rows and says why in one line.
 *
 * Environment: BENCH_RUNS (timed runs, default 20), BENCH_WARMUP (default 3), BENCH_WEBGPU_MODELS (a
 * folder of model folders to run instead of out/bench-models' ViT-B ones, e.g. test/fixtures/models),
 * BENCH_WEBGPU_GRAPHS (default 'decoder,encoder'), BENCH_WEBGPU_DEADLINE_S (start no graph after this),
 * BENCH_WEBGPU_CHROMIUM=0 (skip chromium), BENCH_DAWN_FLAGS (Dawn `create` flags, ';'-separated),
 * BENCH_WEBGPU_CPU_LOG (a file for the verbose log's placement lines), DAWN_NODE_PATH and
 * BENCH_WEBGPU_CHILD (the bundled run's dawn.node and child script), BENCH_WEBGPU_AGREE ('decoder' by
 * default: which graphs' outputs are also computed on the wasm EP and compared; 'all', or 'none').
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { overBindingLimit } from '../src/model/binding-limit.ts';
import type { ModelManifest } from '../src/model/manifest.ts';
import { openGraph, readManifest } from '../src/model/model-loader.ts';
import {
  createOrtSession,
  type ModelSession,
  type SessionFactory,
  type TensorData,
} from '../src/model/session.ts';
import { compareLogits } from '../test/e2e/webgpu-agreement.ts';
import { feedsFor, measure, randomFeeds } from './latency.ts';
import { type BenchReport, percentile, repoPath } from './report.ts';
import { vitBModelFolder } from './vit-b-model.ts';
import { type ChromiumFolder, chromiumWebGpu } from './webgpu-chromium.ts';
import {
  describeAdapter,
  describePlacement,
  firstLine,
  openDawn,
  parseCpuPlacements,
  webgpuOrt,
} from './webgpu-node.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const ROLES = (process.env.BENCH_WEBGPU_GRAPHS ?? 'decoder,encoder')
  .split(',')
  .map((r) => r.trim())
  .filter((r): r is 'encoder' | 'decoder' => r === 'encoder' || r === 'decoder');
const DEADLINE_MS = Number(process.env.BENCH_WEBGPU_DEADLINE_S ?? 0) * 1000;
/** The wasm EP runs one thread here: a ViT-B encoder takes it ~30 s, a decoder ~1 s. */
const AGREE = process.env.BENCH_WEBGPU_AGREE ?? 'decoder';
const COLUMNS = [
  'runtime',
  'decoder',
  'precision',
  'graph',
  'create_ms',
  'first_run_ms',
  'runs',
  'p50_ms',
  'p95_ms',
  'min_ms',
  'vs_wasm',
  'status',
];
/** BENCH_WEBGPU_EP=wasm: a dry run of this whole path (bundle, child, report) on the wasm EP, no GPU. */
const EP = process.env.BENCH_WEBGPU_EP === 'wasm' ? 'wasm' : 'webgpu';
const NODE_RUNTIME = EP === 'webgpu' ? 'node + Dawn webgpu' : 'node wasm (DRY RUN, not WebGPU)';

interface Folder extends ChromiumFolder {
  source: {
    location: string;
    readText(f: string): Promise<string>;
    readBytes(f: string): Promise<Uint8Array>;
  };
}

/** A model folder on disk (model-folder-node.ts would pull onnxruntime-node into the bundled run). */
function source(folder: string): Folder['source'] {
  return {
    location: folder,
    readText: async (file) => readFile(join(folder, file), 'utf8'),
    readBytes: async (file) => new Uint8Array(await readFile(join(folder, file))),
  };
}

/** BENCH_WEBGPU_MODELS' model folders, or the four ViT-B ones (exported on first use, minutes each). */
function folderPaths(): string[] {
  const dir = process.env.BENCH_WEBGPU_MODELS;
  if (dir) {
    return readdirSync(dir)
      .map((name) => resolve(dir, name))
      .filter((path) => existsSync(join(path, 'model.json')))
      .sort();
  }
  return (['robust', 'sam'] as const).flatMap((kind) =>
    (['fp32', 'fp16'] as const).map((precision) =>
      vitBModelFolder(kind, kind === 'robust' ? 'matmul' : undefined, precision),
    ),
  );
}

async function openFolders(): Promise<Folder[]> {
  const folders: Folder[] = [];
  for (const folder of folderPaths()) {
    const src = source(folder);
    const manifest: ModelManifest = await readManifest(src);
    folders.push({
      folder,
      source: src,
      manifest,
      label: { decoder: manifest.decoderKind, precision: manifest.precision },
    });
  }
  return folders;
}

/** Verbose session logs come from a child process (see webgpu-child.ts); parsed per graph file. */
function cpuPlacements(graphs: string[]): {
  byGraph: ReturnType<typeof parseCpuPlacements>;
  problem?: string;
} {
  const here = dirname(fileURLToPath(import.meta.url));
  const child = process.env.BENCH_WEBGPU_CHILD ?? join(here, 'webgpu-child.ts');
  const run = spawnSync(process.execPath, [...process.execArgv, child, '--ep', EP, ...graphs], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: DEADLINE_MS ? Math.round(Math.max(60_000, DEADLINE_MS / 3)) : 600_000,
  });
  const log = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;
  const keep = process.env.BENCH_WEBGPU_CPU_LOG;
  if (keep) {
    const wanted = /@@webgpu-bench|kernel not found in registries|placed on \[|^\s+\S+ \(.*\)$|\[E:|\[W:/;
    writeFileSync(
      keep,
      `${log
        .split('\n')
        .filter((l) => wanted.test(l))
        .join('\n')}\n`,
    );
  }
  const failures = log
    .split('\n')
    .filter((l) => l.startsWith('@@webgpu-bench failed') || l.startsWith('no WebGPU adapter'));
  const problem =
    run.status === 0
      ? undefined
      : `the verbose-log child exited with ${run.status ?? run.signal ?? run.error?.message}${failures.length ? `: ${failures.join('; ')}` : ''}`;
  return { byGraph: parseCpuPlacements(log), problem };
}

/**
 * The same graph and feeds on the wasm EP: per output, max |webgpu - wasm| relative to the largest
 * |wasm value| (the WebGPU correctness check of test/e2e/webgpu-swiftshader.test.ts, here on this
 * machine's adapter). "low_res_logits 9.5e-5, iou_prediction 1.2e-6"
 */
async function agreementWithWasm(
  f: Folder,
  role: 'encoder' | 'decoder',
  feeds: Record<string, TensorData>,
  gpu: Record<string, TensorData>,
  wasmFactory: SessionFactory,
): Promise<string> {
  const session = await openGraph(f.source, f.manifest, role, wasmFactory);
  try {
    const wasm = await session.run(feeds);
    return Object.keys(wasm)
      .map((name) => {
        const a = compareLogits(Float32Array.from(gpu[name].data), Float32Array.from(wasm[name].data), 0);
        return `${name} ${a.relDiff.toExponential(1)}`;
      })
      .join(', ');
  } catch (error) {
    return `wasm failed: ${firstLine(error)}`;
  } finally {
    await session.release();
  }
}

export default async function (): Promise<BenchReport> {
  const started = performance.now();
  const rows: BenchReport['rows'] = [];
  const notes: string[] = [];
  const dawn =
    EP === 'webgpu' ? await openDawn() : { summary: undefined, dispose: () => {}, dryRun: true as const };
  let folders: Folder[] = [];
  if ('reason' in dawn) {
    const line = `no WebGPU adapter: ${dawn.reason}; this benchmark needs a GPU`;
    console.log(line);
    notes.push(`Node + Dawn: ${line}.`);
    rows.push({
      runtime: NODE_RUNTIME,
      decoder: 'all',
      precision: 'all',
      graph: 'all',
      status: 'not measured (no WebGPU adapter)',
    });
  } else {
    notes.push(
      dawn.summary
        ? `Node + Dawn adapter: ${describeAdapter(dawn.summary)}.`
        : 'DRY RUN (BENCH_WEBGPU_EP=wasm): every session on the wasm EP, no GPU; these are not WebGPU figures.',
    );
    try {
      folders = await openFolders();
      const graphFiles = folders.flatMap((f) =>
        ROLES.map((role) => join(f.folder, f.manifest.graphs[role].file)),
      );
      let placements: ReturnType<typeof cpuPlacements> = { byGraph: new Map() };
      try {
        placements = cpuPlacements(graphFiles);
      } catch (error) {
        placements.problem = firstLine(error);
      }
      if (placements.problem) notes.push(`CPU placement log: ${placements.problem}.`);
      const ort = await webgpuOrt();
      const factory: SessionFactory = (graph, role) =>
        createOrtSession(
          ort,
          graph,
          role,
          { executionProviders: [EP], graphOptimizationLevel: 'all' },
          `onnxruntime-web ${EP} (Node)`,
        );
      const wasmFactory: SessionFactory = (graph, role) =>
        createOrtSession(ort, graph, role, { executionProviders: ['wasm'] }, 'onnxruntime-web wasm (Node)');
      const measuredGraphs = new Map<string, string>(); // sha256 -> the label it was measured under
      for (const f of folders) {
        notes.push(
          `${f.label.decoder} ${f.label.precision}: ${repoPath(f.folder)} (${f.manifest.provenance.config}, encoder ${(f.manifest.graphs.encoder.bytes / 1e6).toFixed(1)} MB, decoder ${(f.manifest.graphs.decoder.bytes / 1e6).toFixed(1)} MB).`,
        );
        for (const role of ROLES) {
          const row: Record<string, string | number> = { runtime: NODE_RUNTIME, ...f.label, graph: role };
          const placement = placements.byGraph.get(join(f.folder, f.manifest.graphs[role].file));
          notes.push(
            `CPU nodes, ${f.label.decoder} ${f.label.precision} ${role}: ${describePlacement(placement)}.`,
          );
          // An fp16 folder's decoder is the fp32 graph, byte for byte: its figures would repeat.
          const sha = f.manifest.graphs[role].sha256;
          const twin = measuredGraphs.get(sha);
          if (twin) {
            rows.push({ ...row, status: `same graph as ${twin} (not run again)` });
            continue;
          }
          measuredGraphs.set(sha, `${f.label.decoder} ${f.label.precision} ${role}`);
          // What session-web.ts sends to wasm instead: onnxruntime would compute it wrong here, silently.
          const tooLarge = overBindingLimit(
            f.manifest.graphs[role].largestTensorBytes,
            dawn.summary?.maxStorageBufferBindingSize,
          );
          if (tooLarge) {
            rows.push({ ...row, status: `not run: largest tensor ${tooLarge}` });
            continue;
          }
          if (DEADLINE_MS && performance.now() - started > DEADLINE_MS) {
            rows.push({
              ...row,
              status: `not measured (past BENCH_WEBGPU_DEADLINE_S=${DEADLINE_MS / 1000})`,
            });
            continue;
          }
          let session: ModelSession | undefined;
          try {
            let t = performance.now();
            session = await openGraph(f.source, f.manifest, role, factory);
            row.create_ms = performance.now() - t;
            const feeds = role === 'decoder' ? feedsFor(f.manifest) : randomFeeds(f.manifest.graphs.encoder);
            t = performance.now();
            const outputs = await session.run(feeds);
            row.first_run_ms = performance.now() - t;
            const times = await measure(session, feeds, RUNS, WARMUP);
            Object.assign(row, {
              runs: RUNS,
              p50_ms: percentile(times, 50),
              p95_ms: percentile(times, 95),
              min_ms: Math.min(...times),
              status: 'measured',
            });
            if (EP === 'webgpu' && (AGREE === 'all' || AGREE === role)) {
              row.vs_wasm = await agreementWithWasm(f, role, feeds, outputs, wasmFactory);
            }
          } catch (error) {
            row.status = `failed: ${firstLine(error)}`;
            console.error(`webgpu bench: ${f.label.decoder} ${f.label.precision} ${role}:`, error);
          } finally {
            await session?.release();
          }
          rows.push(row);
          console.log(`webgpu bench: ${JSON.stringify(row)}`);
        }
      }
    } catch (error) {
      console.error('webgpu bench:', error);
      notes.push(`Node: stopped by an error: ${firstLine(error)}.`);
      rows.push({
        runtime: NODE_RUNTIME,
        decoder: 'all',
        precision: 'all',
        graph: 'all',
        status: `failed: ${firstLine(error)}`,
      });
    } finally {
      dawn.dispose();
    }
  }
  if (process.env.BENCH_WEBGPU_CHROMIUM !== '0') {
    try {
      // Chromium needs model folders only when it offers a hardware adapter; with no Node adapter the
      // ViT-B folders are not exported just for it unless BENCH_WEBGPU_MODELS names some.
      if (folders.length === 0 && process.env.BENCH_WEBGPU_MODELS) folders = await openFolders();
      const chromium = await chromiumWebGpu(folders, ROLES, RUNS, WARMUP);
      rows.push(...chromium.rows);
      notes.push(...chromium.notes);
      if (!chromium.rows.length)
        rows.push({
          runtime: 'chromium webgpu',
          decoder: 'all',
          precision: 'all',
          graph: 'all',
          status: 'not timed (see notes)',
        });
    } catch (error) {
      notes.push(`chromium: ${firstLine(error)}.`);
    }
  }
  return {
    title: 'WebGPU latency, ViT-B graphs (random weights), onnxruntime-web WebGPU EP',
    columns: COLUMNS,
    rows,
    notes: [
      ...notes,
      `Each graph: session creation (create_ms, graph read, sha256 and upload included), one first run (first_run_ms: shader compilation), ${WARMUP} warm-up runs, then ${RUNS} timed runs; each run waits for its outputs to reach the CPU, as the viewer does.`,
      'Decoder feeds: random embeddings (and robust features), one box prompt (N = 2), no mask input; encoder feeds: a random 1 x 3 x 1024 x 1024 image. Times do not depend on the values.',
      "fp16 folders store their encoder's weights as float16 followed by a Cast back to float32 (export/'s --precision fp16; the decoder is the fp32 graph): they halve the download, not the arithmetic.",
      `vs_wasm: each output's max |WebGPU - wasm| relative to its largest |wasm value|, same graph and feeds (${AGREE === 'all' ? 'every graph' : AGREE === 'none' ? 'not computed' : `${AGREE} graphs`}; BENCH_WEBGPU_AGREE).`,
      'onnxruntime-web runs 1 wasm thread here (the nodes left to the CPU are shape arithmetic); "CPU nodes" come from a separate session per graph with logSeverityLevel 0 (webgpu kernel not found in registries ...), each node counted once.',
      'Model folders: export/ with random weights (seed 0); robust folders use --fft matmul (onnxruntime has no WebGPU DFT kernel).',
    ],
  };
}
