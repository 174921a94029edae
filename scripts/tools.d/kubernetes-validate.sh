# kubernetes-validate: Kubernetes' own JSON schemas, strict flavour, one directory per
# version; tests/deploy validates the rendered Helm chart against them offline. The pinned
# requirements come from kubernetes-validate.in (pip-compile --generate-hashes --allow-unsafe).
VERSION=1.37.0
BINARIES=(kubernetes-validate)
install_tool() { venv_install "$TOOLS_D/kubernetes-validate.lock"; }
