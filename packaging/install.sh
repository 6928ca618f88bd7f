#!/usr/bin/env bash
# Install a built bundle for the current user: ~/.local/opt/MathInk, a launcher and a menu entry.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x dist/MathInk/MathInk ] || { echo "no bundle: run packaging/build.sh first" >&2; exit 1; }
prefix="${PREFIX:-$HOME/.local}"
mkdir -p "$prefix/opt" "$prefix/bin" "$prefix/share/applications" "$prefix/share/icons/hicolor/scalable/apps"
rm -rf "$prefix/opt/MathInk"
cp -r dist/MathInk "$prefix/opt/MathInk"
ln -sf "$prefix/opt/MathInk/MathInk" "$prefix/bin/MathInk"
cp resources/icons/mathink.svg "$prefix/share/icons/hicolor/scalable/apps/mathink.svg"
sed "s#^Exec=MathInk#Exec=$prefix/bin/MathInk#" packaging/mathink.desktop > "$prefix/share/applications/mathink.desktop"
echo "installed: $prefix/bin/MathInk"
