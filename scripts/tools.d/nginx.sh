# nginx from Debian's package, unpacked rather than installed (no service is started, no
# root needed): tests/deploy serves the web image's nginx.conf with it, with the package's
# mime.types (unpacked/etc/nginx, found from the binary's real path).
# The version is the one Debian's apt offers now: a security update replaces the old one
# on the mirror, so a pinned version would stop installing. The lists are fetched once
# when the machine has none (a fresh container).
nginx_candidate() { apt-cache policy nginx 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
VERSION=$(nginx_candidate)
if [ -z "$VERSION" ] || [ "$VERSION" = "(none)" ]; then
    apt-get update -qq >&2 && VERSION=$(nginx_candidate)
fi
BINARIES=(nginx)
install_tool() {
    local unpacked=$DEST/unpacked deb
    mkdir -p "$unpacked"
    (cd "$DEST" && apt-get download -qq "nginx=$VERSION" "nginx-common=$VERSION")
    for deb in "$DEST"/*.deb; do dpkg-deb -x "$deb" "$unpacked"; done
    rm -f "$DEST"/*.deb
    ln -s unpacked/usr/sbin/nginx "$DEST/nginx"
}
