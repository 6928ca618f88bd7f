#!/usr/bin/env bash
# Build a Debian package from the frozen app: /opt/mathink, /usr/bin/mathink, a menu entry,
# the icon and the InkML MIME type.  Builds the bundle first unless BUNDLE=path/to/MathInk
# (an existing dist/MathInk folder) is given.  The last line printed is the .deb's path.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle="${BUNDLE:-}"
if [ -z "$bundle" ]; then
    bundle=$(dirname "$(bash packaging/build.sh | tail -n 1)")
fi
[ -x "$bundle/MathInk" ] || { echo "no frozen app at $bundle" >&2; exit 1; }

version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' pyproject.toml | head -n 1)
version=${version:-0.1.0}
arch=$(dpkg --print-architecture)
root=build/deb/root
rm -rf build/deb && mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
    "$root/usr/share/icons/hicolor/scalable/apps" "$root/usr/share/mime/packages"
cp -a "$bundle" "$root/opt/mathink"
rm -f "$root/opt/mathink/mathink.desktop"
ln -s /opt/mathink/MathInk "$root/usr/bin/mathink"
sed 's#^Exec=MathInk#Exec=/usr/bin/mathink#' packaging/mathink.desktop > "$root/usr/share/applications/mathink.desktop"
cp resources/icons/mathink.svg "$root/usr/share/icons/hicolor/scalable/apps/mathink.svg"
cp packaging/mathink-mime.xml "$root/usr/share/mime/packages/mathink.xml"

# The bundle carries Python, torch and Qt; what it takes from the system is the X display
# stack that Qt's xcb plugin loads (the same list as README "Running from source") and the C library.
# xdotool is only recommended: Insert types into the window the user came from with it, and
# copies the LaTeX instead where it is missing (issue 44).
cat > "$root/DEBIAN/control" <<CONTROL
Package: mathink
Version: $version
Architecture: $arch
Maintainer: MathInk <dev@mathink.local>
Section: science
Priority: optional
Installed-Size: $(du -sk "$root" | cut -f1)
Depends: libc6 (>= 2.31), libgl1, libegl1, libfontconfig1, libfreetype6, libx11-6, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0, libxcb-render-util0, libxcb-shape0, libxcb-xfixes0, libxcb-xkb1, libxkbcommon0, libxkbcommon-x11-0, libdbus-1-3, libglib2.0-0
Recommends: xdotool
Description: write mathematics by hand, get LaTeX back
 MathInk recognizes handwritten mathematics drawn on a canvas (or read from InkML
 files and images) with a convolutional network and gives the expression as text
 and LaTeX.  The shipped model is trained on CROHME data (CC BY-NC-SA 3.0).
CONTROL
# Register the .desktop entry and the MIME type where the tools exist (not in a bare chroot).
cat > "$root/DEBIAN/postinst" <<'SCRIPT'
#!/bin/sh
set -e
command -v update-mime-database >/dev/null && update-mime-database /usr/share/mime || true
command -v update-desktop-database >/dev/null && update-desktop-database -q /usr/share/applications || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -f /usr/share/icons/hicolor || true
exit 0
SCRIPT
cp "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"

mkdir -p dist
deb="dist/mathink_${version}_${arch}.deb"
# gzip, not xz: xz would save some tens of MB but took over 14 minutes here (gzip: about one).
dpkg-deb --root-owner-group -Zgzip --build "$root" "$deb" >&2
rm -rf build/deb
echo "$(pwd)/$deb"
