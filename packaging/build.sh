#!/usr/bin/env bash
# Build the one-folder desktop application under dist/MathInk/.
# The last line printed is the path of the executable.
set -euo pipefail
cd "$(dirname "$0")/.."
# The bundle freezes what is installed: make that the exact, tested versions of constraints.txt.
python3 -m pip install -q -r requirements-bundle.txt >&2
python3 -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/mathink.spec >&2
# Symbol tables and debug sections are for debuggers, not for running: stripping them saves
# ~120 MB (libtorch_cpu.so alone 89 MB, libpython 18 MB).  The vendored libraries of
# auditwheel-repaired wheels (*.libs/ folders) are left alone: patchelf rewrote their headers,
# and strip is known to damage such files.
find dist/MathInk/_internal -type f -name '*.so*' ! -path '*.libs/*' -print0 \
    | xargs -0 -r strip --strip-unneeded 2>/dev/null || true
cp packaging/mathink.desktop dist/MathInk/ >&2
echo "$(pwd)/dist/MathInk/MathInk"
