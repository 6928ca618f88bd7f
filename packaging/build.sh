#!/usr/bin/env bash
# Build the one-folder desktop application under dist/MathInk/.
# The last line printed is the path of the executable.
set -euo pipefail
cd "$(dirname "$0")/.."
# The bundle freezes what is installed: make that the exact, tested versions of constraints.txt.
python3 -m pip install -q -r requirements.txt >&2
python3 -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/mathink.spec >&2
cp packaging/mathink.desktop dist/MathInk/ >&2
echo "$(pwd)/dist/MathInk/MathInk"
