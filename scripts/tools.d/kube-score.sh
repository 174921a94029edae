# kube-score: the production render of the Helm chart checked against its reliability and
# security advice (tests/deploy).
VERSION=v1.20.0
BINARIES=(kube-score)
install_tool() { go_install "github.com/zegl/kube-score/cmd/kube-score@$VERSION"; }
