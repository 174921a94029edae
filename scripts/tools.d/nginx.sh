# nginx from Debian's package, unpacked rather than installed (no service is started, no
# root needed): tests/deploy serves the web image's nginx.conf with it, with the package's
# mime.types (unpacked/etc/nginx, found from the binary's real path).
VERSION=1.22.1-9+deb12u12
BINARIES=(nginx)
install_tool() {
    local unpacked=$DEST/unpacked deb
    mkdir -p "$unpacked"
    (cd "$DEST" && apt-get download -qq "nginx=$VERSION" "nginx-common=$VERSION")
    for deb in "$DEST"/*.deb; do dpkg-deb -x "$deb" "$unpacked"; done
    rm -f "$DEST"/*.deb
    ln -s unpacked/usr/sbin/nginx "$DEST/nginx"
}
