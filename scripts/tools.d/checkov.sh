# Checkov, offline (BC_SKIP_MAPPING=TRUE): the security policies of deploy/terraform (tests/deploy).
# checkov.in names it; checkov.lock pins it and every dependency with their hashes.
VERSION=3.3.30
BINARIES=(checkov)
install_tool() { venv_install "$TOOLS_D/checkov.lock"; }
