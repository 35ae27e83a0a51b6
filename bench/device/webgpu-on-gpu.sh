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
# The carried loader is unpacked into $W (not /) and found through LD_LIBRARY_PATH, unless the
# machine has one already.
if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  for f in .device/deb/*.deb; do dpkg -x "$f" "$W/vulkan"; done
  export LD_LIBRARY_PATH=$W/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
ldconfig -p | grep -E 'libvulkan.so.1|libGLX_nvidia|libnvidia-glvkspirv' | head -5
ls "$W"/vulkan/usr/lib/x86_64-linux-gnu/ 2>/dev/null
if [[ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]]; then
  for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
    /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
    if [[ -f $icd ]]; then
      export VK_DRIVER_FILES=$icd
      break
    fi
  done
fi
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"
[[ -n "${VK_DRIVER_FILES:-}" ]] && cat "$VK_DRIVER_FILES"
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

say "4. benchmark (Node $("$NODE" --version), Dawn, onnxruntime-web WebGPU)"
left=$((LIMIT - (SECONDS - T0)))
env BENCH_OUT="$OUT" BENCH_WEBGPU_MODELS="$MODELS" BENCH_WEBGPU_CPU_LOG="$OUT/cpu-nodes.log" \
  DAWN_NODE_PATH="$W/run/dawn.node" BENCH_WEBGPU_CHILD="$W/run/webgpu-child.mjs" BENCH_WEBGPU_CHROMIUM=0 \
  BENCH_RUNS="${BENCH_RUNS:-20}" BENCH_WEBGPU_DEADLINE_S=$((left - 60)) \
  timeout --kill-after=5 "$left" "$NODE" "$W/run/webgpu-bench.mjs"
rc=$?
say "benchmark exit status $rc; files in $OUT:"
ls -la "$OUT"
sleep 1 # let tee finish log.txt
exit $rc
