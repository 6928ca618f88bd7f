#!/usr/bin/env bash
# Build the .deb (from BUNDLE=dist/MathInk when given, else from a fresh bundle), check its size
# and contents, unpack it into a temporary root (dpkg-deb -x, as dpkg would lay it out) and
# run the frozen app's selftest from there, through the launcher on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
max_mb=350
deb=$(bash packaging/build-deb.sh | tail -n 1)
size_mb=$(( $(stat -c %s "$deb") / 1000000 ))
echo "deb: ${size_mb} MB at $deb"
[ "$size_mb" -le "$max_mb" ] || { echo "the .deb is ${size_mb} MB, over ${max_mb} MB" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxkbcommon-x11-0; do
    [[ "$depends" == *"$lib"* ]] || { echo "Depends lacks $lib: $depends" >&2; exit 1; }
done
for f in usr/share/applications/mathink.desktop usr/share/icons/hicolor/scalable/apps/mathink.svg \
         usr/share/mime/packages/mathink.xml opt/mathink/MathInk; do
    [ -e "$root/$f" ] || { echo "missing from the package: /$f" >&2; exit 1; }
done
grep -q '^Exec=/usr/bin/mathink %f' "$root/usr/share/applications/mathink.desktop"
grep -q 'application/inkml+xml' "$root/usr/share/applications/mathink.desktop"
grep -q 'pattern="\*.inkml"' "$root/usr/share/mime/packages/mathink.xml"
[ "$(readlink "$root/usr/bin/mathink")" = /opt/mathink/MathInk ]
# The launcher points at /opt (absolute, as installed); in the temporary root, run what it names.
QT_QPA_PLATFORM=offscreen "$root/opt/mathink/MathInk" --selftest
