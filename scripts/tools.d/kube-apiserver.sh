# A real Kubernetes API server and its client: tests/deploy validates the Helm chart
# server-side against them (with etcd, scripts/tools.d/etcd.sh).
VERSION=v1.35.4
BINARIES=(kube-apiserver kubectl)

# k8s.io/kubernetes is not meant to be a dependency: its go.mod requires its staging
# modules (k8s.io/api, k8s.io/client-go, ...) as v0.0.0 and replaces them with local
# directories, which a dependent module ignores. So the commands are built in a throwaway
# module that points every such v0.0.0 at the staging module's published tag, v0.35.4
# for v1.35.4.
install_tool() {
    go_scratch_module
    local gomod staging
    gomod=$(go mod download -json "k8s.io/kubernetes@$VERSION" |
        sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
    [ -f "$gomod" ] || die "no go.mod downloaded for k8s.io/kubernetes@$VERSION"
    for staging in $(go mod edit -print "$gomod" | awk '$2 == "v0.0.0" { print $1 }'); do
        go mod edit -replace="$staging=$staging@v0${VERSION#v1}"
    done
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$VERSION" "k8s.io/kubernetes/cmd/kubectl@$VERSION"

    # The version the server reports (helm checks a chart's kubeVersion against it), set
    # as the Kubernetes release build sets it (hack/lib/version.sh).
    local minor=${VERSION#v1.} ldflags="-s" pkg command
    minor=${minor%%.*}
    for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
        ldflags+=" -X $pkg.gitVersion=$VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
        ldflags+=" -X $pkg.gitTreeState=clean"
    done
    for command in "${BINARIES[@]}"; do
        go build -trimpath -ldflags="$ldflags" -o "$DEST/$command" "k8s.io/kubernetes/cmd/$command"
    done
}
