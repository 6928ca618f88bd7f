#!/usr/bin/env bash
# Build the one-folder bundle, then run the frozen application's selftest with no display.
set -euo pipefail
cd "$(dirname "$0")/.."
exe=$(bash packaging/build.sh | tail -n 1)
echo "bundle: $(du -sh "$(dirname "$exe")" | cut -f1) at $exe"
QT_QPA_PLATFORM=offscreen "$exe" --selftest
# The picker editors call (issue 44) is in the bundle: `mathink pick` parses its options.
"$exe" pick --help >/dev/null
