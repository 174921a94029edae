"""A real Kubernetes API server on loopback, for checking manifests the way a cluster does.

etcd and kube-apiserver (built by ``scripts/tools install etcd kube-apiserver``) run as
child processes of the test session, with their data, keys and logs in one temporary
directory. The server is the upstream one with its default admission plugins, so a dry-run
against it runs every validation and defaulting a cluster runs. No controller or kubelet
runs: nothing is ever scheduled.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.deploy.tools import tool
from tests.support import free_port, stop_process

# Generous: two cold Go servers on a busy two-core machine.
READY_TIMEOUT = 240.0
COMMAND_TIMEOUT = 180.0
LOG_TAIL_LINES = 40


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    text = path.read_text(errors="replace") if path.exists() else "(no log)"
    return "\n".join(text.splitlines()[-lines:])


@dataclass
class Process:
    """A server process whose output goes to a log file."""

    name: str
    log: Path
    popen: subprocess.Popen[bytes]

    @classmethod
    def start(cls, name: str, args: list[str], log: Path) -> Process:
        with log.open("wb") as out:
            popen = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
            )
        return cls(name, log, popen)

    def stop(self) -> None:
        stop_process(self.popen)

    def report(self) -> str:
        return f"--- {self.name} ({self.log}), last lines:\n{tail(self.log)}"


@dataclass
class Credentials:
    """The throwaway keys of one API server: its serving certificate (self-signed, for
    127.0.0.1), the key that signs service-account tokens, and an admin bearer token."""

    serving_cert: Path
    serving_key: Path
    service_account_key: Path
    service_account_public_key: Path
    token_file: Path
    admin_token: str = field(repr=False)

    @classmethod
    def create(cls, directory: Path) -> Credentials:
        credentials = cls(
            serving_cert=directory / "serving.crt",
            serving_key=directory / "serving.key",
            service_account_key=directory / "service-account.key",
            service_account_public_key=directory / "service-account.pub",
            token_file=directory / "tokens.csv",
            admin_token=secrets.token_hex(16),
        )
        # Its own CA too (req -x509 marks it one), with what strict verifiers ask of a CA.
        openssl(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc",
            "-days", "1", "-subj", "/CN=kube-apiserver",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
            "-addext", "extendedKeyUsage=serverAuth",
            "-keyout", str(credentials.serving_key), "-out", str(credentials.serving_cert),
        )  # fmt: skip
        openssl(
            "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", str(credentials.service_account_key),
        )  # fmt: skip
        openssl(
            "pkey", "-in", str(credentials.service_account_key), "-pubout",
            "-out", str(credentials.service_account_public_key),
        )  # fmt: skip
        # token,user,uid,"groups": system:masters may do anything, whatever RBAC says.
        credentials.token_file.write_text(
            f'{credentials.admin_token},admin,admin,"system:masters"\n'
        )
        return credentials


def openssl(*args: str) -> None:
    path = shutil.which("openssl")
    if path is None:
        pytest.fail("openssl is not on PATH: install it with `apt-get install openssl`")
    done = subprocess.run(
        [path, *args],
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    assert done.returncode == 0, f"openssl {' '.join(args)}: {done.stderr}"


@dataclass
class KubeAPI:
    """A running API server, and ``kubectl`` and ``helm`` pointed at it and only at it."""

    url: str
    workdir: Path
    kubeconfig: Path
    processes: list[Process]

    @property
    def env(self) -> dict[str, str]:
        """The environment of a client: this server's kubeconfig, and caches and Helm
        settings of its own instead of the user's."""
        return {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "KUBECACHEDIR": str(self.workdir / "kube-cache"),
            "HELM_CACHE_HOME": str(self.workdir / "helm" / "cache"),
            "HELM_CONFIG_HOME": str(self.workdir / "helm" / "config"),
            "HELM_DATA_HOME": str(self.workdir / "helm" / "data"),
        }

    def run(
        self, program: str, *args: str, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [tool(program), *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )

    def check(self, program: str, *args: str, stdin: str | None = None) -> str:
        """Runs ``program`` against the server; fails with its output and the server's log
        unless it succeeds. Returns its standard output."""
        done = self.run(program, *args, stdin=stdin)
        assert done.returncode == 0, (
            f"{program} {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}\n"
            + report(self.processes)
        )
        return done.stdout


def start_etcd(workdir: Path) -> tuple[Process, str]:
    client_url = f"http://127.0.0.1:{free_port()}"
    peer_url = f"http://127.0.0.1:{free_port()}"
    etcd = Process.start(
        "etcd",
        [
            tool("etcd"),
            "--name=test",
            f"--data-dir={workdir / 'etcd'}",
            f"--listen-client-urls={client_url}",
            f"--advertise-client-urls={client_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=test={peer_url}",
            # Throwaway data: durability would only cost the test's time.
            "--unsafe-no-fsync",
        ],
        workdir / "etcd.log",
    )
    return etcd, client_url


def start_apiserver(workdir: Path, etcd_url: str, credentials: Credentials) -> tuple[Process, str]:
    port = free_port()
    apiserver = Process.start(
        "kube-apiserver",
        [
            tool("kube-apiserver"),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={port}",
            f"--tls-cert-file={credentials.serving_cert}",
            f"--tls-private-key-file={credentials.serving_key}",
            f"--token-auth-file={credentials.token_file}",
            f"--service-account-key-file={credentials.service_account_public_key}",
            f"--service-account-signing-key-file={credentials.service_account_key}",
            "--service-account-issuer=https://kubernetes.default.svc",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--authorization-mode=Node,RBAC",
        ],
        workdir / "kube-apiserver.log",
    )
    return apiserver, f"https://127.0.0.1:{port}"


def write_kubeconfig(path: Path, url: str, credentials: Credentials) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "test",
                "cluster": {"server": url, "certificate-authority": str(credentials.serving_cert)},
            }
        ],
        "users": [{"name": "admin", "user": {"token": credentials.admin_token}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
        "current-context": "test",
    }
    # JSON is YAML: kubectl and helm read it as it is.
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)


def wait_until_ready(url: str, credentials: Credentials, processes: list[Process]) -> None:
    """Polls /readyz until the server says it is ready (every post-start hook done, etcd
    reachable); fails early, with the logs, if a process exits."""
    deadline = time.monotonic() + READY_TIMEOUT
    last = "no answer yet"
    with httpx.Client(
        verify=ssl.create_default_context(cafile=credentials.serving_cert),
        headers={"Authorization": f"Bearer {credentials.admin_token}"},
        timeout=10,
    ) as client:
        while time.monotonic() < deadline:
            exited = [p for p in processes if p.popen.poll() is not None]
            if exited:
                names = ", ".join(f"{p.name} (exit {p.popen.returncode})" for p in exited)
                pytest.fail(f"{names} stopped while starting\n" + report(processes))
            try:
                answer = client.get(f"{url}/readyz", params={"verbose": "1"})
            except httpx.TransportError as error:
                last = repr(error)
            else:
                if answer.status_code == 200:
                    return
                last = f"{answer.status_code}: {answer.text}"
            time.sleep(0.2)
    pytest.fail(
        f"kube-apiserver not ready within {READY_TIMEOUT}s; last /readyz: {last}\n"
        + report(processes)
    )


def report(processes: list[Process]) -> str:
    return "\n".join(process.report() for process in processes)


@pytest.fixture(scope="session")
def kube_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeAPI]:
    """One API server for the whole session: starting one costs far more than any check."""
    workdir = tmp_path_factory.mktemp("kubeapi")
    credentials = Credentials.create(workdir)
    processes: list[Process] = []
    try:
        etcd, etcd_url = start_etcd(workdir)
        processes.append(etcd)
        apiserver, url = start_apiserver(workdir, etcd_url, credentials)
        processes.append(apiserver)
        wait_until_ready(url, credentials, processes)
        kubeconfig = workdir / "kubeconfig"
        write_kubeconfig(kubeconfig, url, credentials)
        yield KubeAPI(url, workdir, kubeconfig, processes)
    finally:
        # The API server first, so that it never sees its store go away while serving.
        for process in reversed(processes):
            process.stop()
