# prometheus-community's PostgreSQL exporter: the pg_* series the postgres-redis dashboard
# reads, scraped from the test PostgreSQL in tests/observability.
VERSION=v0.17.1
BINARIES=(postgres_exporter)
MODULE=github.com/prometheus-community/postgres_exporter

# Not `go install MODULE/cmd/...@VERSION`: that also asks the module proxy for the module's
# version list (to warn of a deprecation), which the proxy refuses for this module. Built
# inside the downloaded module instead, from its own go.mod and go.sum.
install_tool() {
    local dir
    dir=$(go mod download -json "$MODULE@$VERSION" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
    [ -d "$dir" ] || return 1
    (cd "$dir" && GOFLAGS=-buildvcs=false go build -o "$DEST/postgres_exporter" ./cmd/postgres_exporter)
}
