#!/usr/bin/env bash
# Builds .device/, the folder the device tool carries to the lent GPU machine for
# bench/device/webgpu-on-gpu.sh (that machine has no Node, no browser, no network, no node_modules).
#   bash bench/device/prepare.sh
# .device/ must be ignored to be carried: this adds /.device/ to .git/info/exclude (never .gitignore).
# Contents (xz -9e; the device unpacks them with python3's lzma, xz may be absent there):
#   run/node.xz                       this Node's binary, stripped
#   run/dawn.node.xz                  Dawn's Node bindings (the `webgpu` package, linux-x64)
#   run/webgpu-bench.mjs, webgpu-child.mjs   bench/device/webgpu-entry.ts and bench/webgpu-child.ts,
#                                     each bundled with onnxruntime-web/webgpu into one file (esbuild)
#   run/ort-wasm-simd-threaded.asyncify.wasm.xz  the wasm that onnxruntime-web/webgpu loads, and
#   run/ort-wasm-simd-threaded.asyncify.mjs      its glue, which it imports in Node (both beside the bundle)
#   deb/libvulkan1_*.deb              the Vulkan loader Dawn dlopens (libvulkan.so.1), for a dry run here
#   gl/*.deb                          the loaders the device README names (libvulkan1 and glvnd), unpacked
#                                     into / on the GPU machine: without glvnd, NVIDIA's Vulkan driver
#                                     (libGLX_nvidia) gave the loader no vkCreateInstance (seen 2026-12-04)
set -euo pipefail
cd "$(dirname "$0")/../.."
D=.device
exclude="$(git rev-parse --git-common-dir)/info/exclude"
mkdir -p "$(dirname "$exclude")"
grep -qx '/.device/' "$exclude" 2>/dev/null || echo '/.device/' >>"$exclude"
mkdir -p "$D/run" "$D/deb" "$D/gl"

# 1. The two bundles (small; always rebuilt).
node --input-type=module -e "
import { build } from 'esbuild';
for (const [entry, out] of [['bench/device/webgpu-entry.ts', 'webgpu-bench.mjs'], ['bench/webgpu-child.ts', 'webgpu-child.mjs']]) {
  await build({
    entryPoints: [entry], outfile: '$D/run/' + out, bundle: true, platform: 'node', format: 'esm',
    target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning',
    // Never reached on the device: Dawn comes from DAWN_NODE_PATH, chromium is skipped.
    external: ['webgpu', 'playwright-core', 'onnxruntime-node'],
  });
}"
cp node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.mjs "$D/run/"

# 2. Big binaries, compressed once (xz -9e of Node takes about a minute): redone when the source changes.
pack() { # pack SOURCE TARGET.xz [strip]
  local src=$1 dst=$2 tmp
  local sum; sum=$(sha256sum "$src" | cut -c1-64)
  if [[ -f "$dst" && "$(cat "$dst.source-sha256" 2>/dev/null)" == "$sum" ]]; then return; fi
  tmp=$(mktemp)
  if [[ ${3:-} == strip ]]; then strip --strip-all -o "$tmp" "$src"; else cp "$src" "$tmp"; fi
  xz -9e -T0 -c "$tmp" >"$dst.part" && mv "$dst.part" "$dst"
  rm -f "$tmp"
  echo "$sum" >"$dst.source-sha256"
}
pack "$(node -p process.execPath)" "$D/run/node.xz" strip &
pack node_modules/webgpu/dist/linux-x64/dawn.node "$D/run/dawn.node.xz" &
pack node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm "$D/run/ort-wasm-simd-threaded.asyncify.wasm.xz" &
wait

# 3. The Vulkan loader as a Debian package (device README: dpkg -x it there, then ldconfig).
if ! ls "$D"/deb/libvulkan1_*.deb >/dev/null 2>&1; then
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null
  (cd "$D/deb" && apt-get $o download libvulkan1)
fi
if ! ls "$D"/gl/libglvnd0_*.deb >/dev/null 2>&1; then
  mkdir -p /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update >/dev/null
  (cd "$D/gl" && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi

(cd "$D" && find . -type f ! -name '*.source-sha256' -exec sha256sum {} + | sort -k2 >SHA256SUMS)
carried=$(du -cb "$D" | tail -1 | cut -f1)
tracked=$(git ls-files -z | xargs -0 du -cb | awk '/\ttotal$/ {s += $1} END {print s}')
untracked=$(git ls-files -z --others --exclude-standard | xargs -0 -r du -cb | awk '/\ttotal$/ {s += $1} END {print s + 0}')
limit=$((64 * 1024 * 1024))
echo "carried .device: $carried bytes; tracked tree: $tracked; untracked, not ignored: $untracked"
echo "total $((carried + tracked + untracked)) of $limit bytes (64 MiB): $((limit - carried - tracked - untracked)) to spare"
ls -l "$D/run" "$D/deb"
