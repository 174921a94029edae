#!/usr/bin/env bash
# Installs BoltTickets into a virtual environment: what the app image's build stage runs,
# and what tests/deploy runs into a fresh directory to prove it.
#
#   deploy/docker/install-app.sh SOURCE VENV
#
# SOURCE is a checkout (pyproject.toml, requirements.lock, src/) whose front end is built
# into src/bolttickets/web; VENV is created and holds nothing but the runtime: the
# project's dependencies at exactly the versions and sha256 hashes requirements.lock pins
# (the lock is the hash-checked constraint of every package, so the dev and bench extras
# it also pins stay out), then the project's wheel. Binary wheels only: no compiler runs,
# here or in the image. The wheel is built by the lock's hatchling in a throw-away build
# environment, which also provides the pip that installs into VENV (VENV gets no pip).
# PYTHON names the interpreter VENV is made from (python3 on PATH by default).

set -Eeuo pipefail

[ $# -eq 2 ] || { echo "usage: $0 SOURCE VENV" >&2; exit 2; }
source_dir=$(readlink -f "$1")
venv=$2
python=${PYTHON:-python3}
lock=$source_dir/requirements.lock

# A package without its web page still serves the API, so the build would not notice.
[ -f "$source_dir/src/bolttickets/web/index.html" ] || {
    echo "install-app: $source_dir/src/bolttickets/web has no index.html; build the front end first (make frontend)" >&2
    exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/build"
pip=("$work/build/bin/pip" --quiet --disable-pip-version-check)
# First the lock's pip, by its own entry: the pip a venv starts with (23.2 for Python
# 3.11.7) ignores the hashes of a constraints file, which every later step relies on.
awk '/^pip==/ { entry = 1; print; next } entry && /^ +--hash=/ { print; next } { entry = 0 }' \
    "$lock" >"$work/pip.txt"
"${pip[@]}" install --require-hashes --only-binary :all: --requirement "$work/pip.txt"
"${pip[@]}" install --require-hashes --only-binary :all: --constraint "$lock" hatchling
# In place, without build isolation: built by the hatchling just installed, not a download.
"${pip[@]}" wheel --no-deps --no-build-isolation --wheel-dir "$work/dist" "$source_dir"

wheel=$(echo "$work"/dist/bolttickets-*.whl)
# The project's own wheel has no hash in the lock; its hash is taken here, so that
# --require-hashes holds for every file that is installed.
echo "bolttickets @ file://$wheel --hash=sha256:$(sha256sum "$wheel" | cut -d' ' -f1)" \
    >"$work/app.txt"

"$python" -m venv --without-pip "$venv"
"${pip[@]}" --python "$venv/bin/python" install --require-hashes \
    --only-binary :all: --constraint "$lock" --requirement "$work/app.txt"
