# etcd, the store of the throwaway Kubernetes API server of tests/deploy.
VERSION=v3.6.16
BINARIES=(etcd)
# etcd's server module replaces its sibling modules with local paths, which `go install
# PACKAGE@VERSION` refuses; a module that requires it builds it with the published ones.
install_tool() {
    go_scratch_module
    go get "go.etcd.io/etcd/server/v3@$VERSION"
    go build -trimpath -ldflags=-s -o "$DEST/etcd" go.etcd.io/etcd/server/v3
}
