#!/usr/bin/env bash
# A service image: the service is bundled on the host (esbuild, one ESM file), so the image build needs no
# network; the image is the runtime plus that file (and the dashboard's static files), and the API reference's
# renderer (swagger-ui-dist, gzipped) that every service serves at /docs.
# Env: SERVICE (folder under services/), BASE_IMAGE (the resolved node-runtime image).
# Optional: ENTRY_POINTS (space-separated names of services/$SERVICE/src/<name>.ts, each bundled to /app/<name>.mjs,
# for an image whose command selects the role) and DEFAULT_ENTRY (the CMD's entry point). Unset: src/main.ts only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../lib/steps.sh"
# One context per tag: WORK_DIR is per image name, and two worktrees may build the same image at once (with
# different sources, so different tags); a shared context once shipped one's bundle under the other's tag.
context="$WORK_DIR/context-${IMAGE_TAG##*:}"
entry_points=${ENTRY_POINTS:-main}
default_entry=${DEFAULT_ENTRY:-main}

bundle() {
  rm -rf "$context" && mkdir -p "$context"
  local entry
  for entry in $entry_points; do
    "$root/node_modules/.bin/esbuild" "$root/services/$SERVICE/src/$entry.ts" --bundle --platform=node \
      --target=node22 --format=esm --outfile="$context/$entry.mjs" --log-level=warning \
      --banner:js="import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
  done
  "$root/node_modules/.bin/tsx" "$root/services/shared/src/docs/pack-renderer.ts" "$context/docs-assets"
  if [ -d "$root/services/$SERVICE/public" ]; then cp -r "$root/services/$SERVICE/public" "$context/public"; fi
  cat > "$context/Dockerfile" <<DOCKERFILE
FROM $BASE_IMAGE
COPY --chown=0:0 . /app
ENV SERVICE_NAME=$SERVICE STATIC_DIR=/app/public
USER 1000:1000
# A 16 MB semi-space: under load, fewer objects of in-flight requests are copied and promoted. With 8 MB the gateway's
# CPU per /api/status request swung from run to run with V8's promotion threshold (ratio to the bare server 0.74-0.98
# over nine short runs); with 16 MB both servers are cheaper, but a gateway start still lands in a cheap or an
# expensive mode (README, "Services"). Loading the bundle grows the young generation to that size at once: --expose-gc
# lets the service give it back once loaded (services/shared/src/startup-memory.ts), so an idle service stays small
# (gateway ~72 MB).
CMD ["node", "--max-semi-space-size=16", "--expose-gc", "/app/$default_entry.mjs"]
DOCKERFILE
}

step "bundle services/$SERVICE with esbuild" bundle
step "build $IMAGE_TAG on $BASE_IMAGE" env DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE_TAG" "$context"
rm -rf "$context"
steps_summary
