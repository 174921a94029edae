# hadolint (the Dockerfiles), check-jsonschema (compose.yaml against the Compose
# specification's schema it bundles, offline) and yamllint: one virtual environment,
# hash-pinned by pychecks.lock (from pychecks.in).
# The cache key follows the lock: a new pin installs a new environment.
VERSION=$(sha256sum "$TOOLS_D/pychecks.lock" | cut -c1-12)
BINARIES=(hadolint check-jsonschema yamllint)
install_tool() { venv_install "$TOOLS_D/pychecks.lock"; }
