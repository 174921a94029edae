# oliver006's Redis exporter: the redis_* series the postgres-redis dashboard reads, scraped
# from the test Redis in tests/observability.
VERSION=v1.97.0
BINARIES=(redis_exporter)
install_tool() { go_install "github.com/oliver006/redis_exporter@$VERSION"; }
