"""Machine set-up that pip cannot do: npm packages, the browser client build, Debian's chromium.

Idempotent: each step checks first and does nothing when already done. A needed step that fails
raises `SetupFailed`; a step this machine cannot do at all (chromium without root or without
apt-get) is reported as a warning and skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from client import webbuild

REPO_ROOT = Path(__file__).resolve().parent.parent
LIVE_NODE_DIR = REPO_ROOT / "tests" / "live" / "node"
CHROMIUM = Path("/usr/bin/chromium")


class SetupFailed(Exception):
    pass


def setup(*, for_tests: bool) -> list[str]:
    """Run every set-up step; what each did, in order."""
    try:
        done = webbuild.ensure_built(required=True)
        if for_tests:
            done.extend(node_test_packages())
            done.extend(chromium())
    except webbuild.NpmFailed as error:
        raise SetupFailed(str(error)) from error
    return done


def node_test_packages(directory: Path = LIVE_NODE_DIR) -> list[str]:
    """The npm packages of the live tests' Node client (yjs, y-websocket…)."""
    if not (directory / "package.json").is_file():
        return [f"no Node test client ({directory / 'package.json'} not found)"]
    npm = webbuild.find_npm()
    if npm is None:
        raise SetupFailed(f"npm is not installed: needed for the Node test client in {directory}")
    return [webbuild.install_packages(npm, directory)]


def chromium(binary: Path = CHROMIUM) -> list[str]:
    """Debian's chromium for the browser tests, installed with apt-get when we are root."""
    if binary.exists():
        return [f"chromium is installed ({binary})"]
    apt_get = shutil.which("apt-get")
    if apt_get is None or os.geteuid() != 0:
        why = "apt-get is not available" if apt_get is None else "not running as root"
        return [
            f"warning: {binary} is missing and {why}; install Debian's chromium "
            "(sudo apt-get install -y chromium) for the browser tests"
        ]
    if not _apt(apt_get, "install", "-y", "chromium"):
        if not _apt(apt_get, "update") or not _apt(apt_get, "install", "-y", "chromium"):
            raise SetupFailed("apt-get install -y chromium failed (after apt-get update)")
        return ["apt-get update", f"installed chromium with apt-get ({binary})"]
    return [f"installed chromium with apt-get ({binary})"]


def _apt(apt_get: str, *args: str) -> bool:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run([apt_get, "-q", *args], stdout=2, env=env, check=False)
    return result.returncode == 0
