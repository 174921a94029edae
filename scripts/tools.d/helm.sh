# Helm 3: lints and renders the chart in deploy/helm (tests/deploy).
VERSION=v3.21.4
BINARIES=(helm)
install_tool() { go_install "helm.sh/helm/v3/cmd/helm@$VERSION"; }
