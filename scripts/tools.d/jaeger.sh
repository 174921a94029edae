# Jaeger v2 (an OpenTelemetry Collector distribution): the OTLP receiver and trace store
# that tests/observability sends spans to and reads them back from (and the bench's
# traced sale, `python -m bench sale --tracing`).
VERSION=v1.76.0
BINARIES=(jaeger)
install_tool() {
    command -v go >/dev/null || { echo "go is not installed" >&2; return 1; }
    # Built in a throwaway module rather than `go install`ed: Jaeger's build needs a
    # replace directive (sarama moved to IBM/sarama upstream), and only a main module
    # may declare one.
    local module status=0
    module=$(mktemp -d)
    (
        cd "$module" &&
            go mod init bolttickets.local/jaeger-build &&
            go mod edit -replace github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0 &&
            go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$VERSION" &&
            GOFLAGS=-buildvcs=false go build -o "$DEST/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger
    ) || status=$?
    rm -rf "$module"
    return "$status"
}
