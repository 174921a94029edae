# actionlint: checks the GitHub Actions workflows in .github/workflows (tests/deploy).
VERSION=v1.7.12
BINARIES=(actionlint)
install_tool() { go_install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"; }
