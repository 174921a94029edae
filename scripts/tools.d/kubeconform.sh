# kubeconform: validates the rendered Helm chart against Kubernetes' JSON schemas offline
# (tests/deploy; the schemas come from kubernetes-validate, no download at test time).
VERSION=v0.8.0
BINARIES=(kubeconform)
install_tool() { go_install "github.com/yannh/kubeconform/cmd/kubeconform@$VERSION"; }
