#!/usr/bin/env bash
# `npm run bench -- webgpu` on the lent GPU machine (no Node, no browser, no network there), in one go:
#   device run: command `bash bench/device/webgpu-on-gpu.sh`, carry ['.device'] (bench/device/prepare.sh
#   makes it here first), timeout_s 600.
# Steps: Vulkan loader (carried .deb) and NVIDIA ICD; unpack Node, dawn.node and onnxruntime-web's wasm;
# export the full-size ViT-B random-weight folders with that machine's python3 (torch) into /tmp;
# run the bundled benchmark. Writes into $OUT: webgpu.json, webgpu.md (copy them to bench/results/),
# log.txt (everything printed), cpu-nodes.log (onnxruntime's placement lines), export.log, env.txt.
# Dry run on any machine: WEBGPU_DEVICE_MODELS=test/fixtures/models OUT=/tmp/x bash bench/device/webgpu-on-gpu.sh
# (uses those folders instead of exporting; without a GPU it ends at "no WebGPU adapter").
set -uo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
OUT=${OUT:-/tmp/webgpu-device-out}
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1
T0=$SECONDS
LIMIT=${WEBGPU_DEVICE_LIMIT_S:-560} # everything done by then (the device command's limit is 600 s)
say() { echo "[$((SECONDS - T0)) s] $*"; }
W=${WEBGPU_DEVICE_WORK:-/tmp/webgpu-bench}
MODELS=$W/models
mkdir -p "$W/run" "$MODELS"

say "1. Vulkan loader and driver"
# On the lent GPU machine (nvidia-smi there) the carried loaders (libvulkan1 and glvnd, .device/gl)
# are unpacked into / as the device README says; elsewhere (a dry run) the loader goes under $W.
if command -v nvidia-smi >/dev/null && [[ -d .device/gl ]]; then
  for f in .device/gl/*.deb; do dpkg -x "$f" /; done
  ldconfig
elif ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  for f in .device/deb/*.deb; do dpkg -x "$f" "$W/vulkan"; done
  export LD_LIBRARY_PATH=$W/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
ldconfig -p | grep -E 'libvulkan.so.1|libGLX_nvidia|libGLdispatch|libnvidia-glvkspirv' | head -8
# The ICD names its library (libGLX_nvidia.so.0): make sure the driver's folder is searched.
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
  [[ -d $d ]] && export LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
done
{
  nvidia-smi -L 2>&1
  uname -a
  ldd --version 2>&1 | head -1
  python3 -c 'import sys, torch, onnx; print(sys.version.split()[0], "torch", torch.__version__, "onnx", onnx.__version__)' 2>&1
  env | grep -E '^(VK_|LD_LIBRARY_PATH|NVIDIA_)' | sort
} | tee "$OUT/env.txt"

say "2. unpack Node, dawn.node, onnxruntime-web wasm and the bundles into $W/run"
cp .device/run/*.mjs "$W/run/"
python3 - "$W/run" .device/run/*.xz <<'PY' || exit 1
import lzma, os, sys
dest = sys.argv[1]
for src in sys.argv[2:]:
    target = os.path.join(dest, os.path.basename(src)[:-3])
    with lzma.open(src) as f, open(target, "wb") as g:
        while chunk := f.read(1 << 24):
            g.write(chunk)
os.chmod(os.path.join(dest, "node"), 0o755)
PY
NODE=$W/run/node
"$NODE" --version || exit 1

# The Vulkan driver file that gives Dawn an adapter: the first that works of the machine's own
# and the NVIDIA mount's (the device README's advice), else none set.
if [[ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json ''; do
    [[ -n $icd && ! -f $icd ]] && continue
    found=$(VK_DRIVER_FILES=$icd __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json \
      DAWN_NODE_PATH="$W/run/dawn.node" timeout 60 "$NODE" bench/device/probe-adapter.mjs 2>&1 | tail -1)
    echo "probe with VK_DRIVER_FILES='$icd': $found"
    if [[ $found == '{'* ]]; then
      [[ -n $icd ]] && export VK_DRIVER_FILES=$icd
      export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
      break
    fi
  done
fi
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}" | tee -a "$OUT/env.txt"
if [[ ${found:-} != '{'* ]]; then
  say "no adapter with any driver file; the Vulkan loader's own account:"
  VK_LOADER_DEBUG=error,warn,info DAWN_NODE_PATH="$W/run/dawn.node" timeout 60 "$NODE" bench/device/probe-adapter.mjs 2>&1 |
    grep -v '^$' | tail -60 >"$OUT/vulkan-loader.log"
  tail -25 "$OUT/vulkan-loader.log"
fi

if [[ -n "${WEBGPU_DEVICE_MODELS:-}" ]]; then
  MODELS=$(cd "$WEBGPU_DEVICE_MODELS" && pwd)
  say "3. model folders from WEBGPU_DEVICE_MODELS=$MODELS (no export)"
else
  say "3. export ViT-B random-weight folders (python3 -m export, CPU) into $MODELS"
  CKPT=$W/vit_b-random.pth
  export PYTHONUNBUFFERED=1
  python3 -m export random --config vit_b --out "$CKPT" >>"$OUT/export.log" 2>&1 || {
    say "random weights failed:"
    tail -30 "$OUT/export.log"
  }
  # Four exports side by side, 4 CPU threads each; fp32 first in the bench's order (folders sort by name).
  pids=()
  for spec in 1-robust-fp32:robust:fp32 2-sam-fp32:sam:fp32 3-robust-fp16:robust:fp16 4-sam-fp16:sam:fp16; do
    IFS=: read -r name kind precision <<<"$spec"
    fft=()
    [[ $kind == robust ]] && fft=(--fft matmul)
    OMP_NUM_THREADS=4 python3 -m export onnx --checkpoint "$CKPT" --kind "$kind" --contract sam \
      --precision "$precision" "${fft[@]}" --out "$MODELS/$name" >"$W/export-$name.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  for f in "$W"/export-*.log; do
    echo "== $f"
    tail -8 "$f"
  done >>"$OUT/export.log"
  grep -h 'model folder' "$W"/export-*.log
  grep -h -iE 'error|Traceback' "$W"/export-*.log | head -10
fi
ls -la "$MODELS"/*/ 2>/dev/null | grep -E 'onnx|json|^/'

say "4. benchmark (Node $("$NODE" --version), Dawn, onnxruntime-web WebGPU), one process per graph"
# One process per graph: a session that fails to start leaves onnxruntime-web's WebGPU EP unusable
# for the rest of its process ("another WebGPU EP inference session is being created"). The tiny
# fixtures go first, as a check that the path works at all.
mkdir -p "$W/one" "$W/runs"
if [[ -z ${WEBGPU_DEVICE_MODELS:-} ]]; then
  ln -sfn "$REPO/test/fixtures/models/tiny-robust" "$MODELS/0-tiny-robust"
fi
: >"$OUT/cpu-nodes.log"
rc=0
for folder in "$MODELS"/*/; do
  name=$(basename "$folder")
  graphs=(decoder encoder)
  [[ $name == 0-tiny-* ]] && graphs=(decoder) # a quick check that the path works at all
  [[ $name == *-fp16 ]] && graphs=(encoder)     # an fp16 folder's decoder is the fp32 graph, byte for byte
  for graph in "${graphs[@]}"; do
    left=$((LIMIT - (SECONDS - T0)))
    if ((left < 45)); then
      say "no time left for $name $graph"
      continue
    fi
    runs=20
    [[ $graph == encoder ]] && runs=10
    rm -rf "$W/one"/* && ln -s "$folder" "$W/one/$name"
    mkdir -p "$W/runs/$name-$graph"
    say "$name $graph ($left s left)"
    env BENCH_OUT="$W/runs/$name-$graph" BENCH_WEBGPU_MODELS="$W/one" BENCH_WEBGPU_GRAPHS=$graph \
      BENCH_WEBGPU_CPU_LOG="$W/runs/$name-$graph/cpu-nodes.log" \
      DAWN_NODE_PATH="$W/run/dawn.node" BENCH_WEBGPU_CHILD="$W/run/webgpu-child.mjs" BENCH_WEBGPU_CHROMIUM=0 \
      BENCH_RUNS="${BENCH_RUNS:-$runs}" BENCH_WEBGPU_DEADLINE_S=$((left - 30)) \
      timeout --kill-after=5 "$((left - 10))" "$NODE" "$W/run/webgpu-bench.mjs" 2>&1 |
      grep -v '^    at \|^\s*$' | grep -v 'VerifyEachNodeIsAssignedToAnEp' | sed -n '/^webgpu bench/p;/^| node/p'
    { echo "== $name $graph"; cat "$W/runs/$name-$graph/cpu-nodes.log" 2>/dev/null; } >>"$OUT/cpu-nodes.log"
  done
done

say "5. one report from the runs"
python3 - "$W/runs" "$OUT" <<'PY'
import json, os, sys
runs, out = sys.argv[1], sys.argv[2]
reports = []
for name in sorted(os.listdir(runs)):
    path = os.path.join(runs, name, "webgpu.json")
    if os.path.exists(path):
        reports.append(json.load(open(path)))
if not reports:
    sys.exit("no run wrote a report")
merged = dict(reports[0])
merged["rows"] = [row for r in reports for row in r["rows"]]
notes = []
for r in reports:
    for n in r.get("notes", []):
        if n not in notes:
            notes.append(n)
merged["notes"] = notes + ["Each graph ran in its own Node process (a failed WebGPU session start poisons the rest of a process)."]
json.dump(merged, open(os.path.join(out, "webgpu.json"), "w"), indent=2)
m = merged["machine"]
fmt = lambda v: (str(v) if float(v).is_integer() else f"{v:.2f}") if isinstance(v, (int, float)) else (v or "")
cols = merged["columns"]
lines = [f"# {merged['title']}", "", f"Machine: {m['cpu']}, {m['cores']} cores, {m['memoryGiB']} GiB, Node {m['node']}, {m['platform']}; run {m['date']}.", "",
         "| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
lines += ["| " + " | ".join(fmt(row.get(c)) for c in cols) + " |" for row in merged["rows"]]
lines += [""] + [f"- {n}" for n in merged["notes"]]
open(os.path.join(out, "webgpu.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
say "done; files in $OUT:"
ls -la "$OUT"
sleep 1 # let tee finish log.txt
exit $rc
