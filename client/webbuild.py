"""Building the browser client (``client/web`` → ``client/web/dist``) with npm, only when needed.

The build is stale when ``dist`` is missing or any source file (everything in ``client/web`` but
``node_modules`` and ``dist``) is newer than the newest file in ``dist``. Dependencies are
installed with ``npm ci`` when a lockfile exists (``npm install`` otherwise), and only when
``node_modules`` is missing or older than ``package.json``/``package-lock.json``.
npm's own output goes to stderr so that stdout keeps only what the command reports.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent / "web"
_NOT_SOURCES = frozenset({"node_modules", "dist"})


class NpmFailed(Exception):
    """An npm step exited non-zero, or npm is needed and missing."""


def _files(root: Path, skip: frozenset[str] = frozenset()) -> Iterator[Path]:
    for path in root.iterdir():
        if path.name in skip or path.name.startswith("."):
            continue
        if path.is_dir():
            yield from _files(path)
        elif path.is_file():
            yield path


def _newest(paths: Iterator[Path]) -> float | None:
    return max((p.stat().st_mtime for p in paths), default=None)


def has_client(web_dir: Path = WEB_DIR) -> bool:
    return (web_dir / "package.json").is_file()


def is_stale(web_dir: Path = WEB_DIR) -> bool:
    """True when ``dist`` is missing, empty, or older than a source file."""
    dist = web_dir / "dist"
    built = _newest(_files(dist)) if dist.is_dir() else None
    if built is None:
        return True
    sources = _newest(_files(web_dir, _NOT_SOURCES))
    return sources is not None and sources > built


def find_npm() -> str | None:
    return shutil.which("npm")


def run_npm(npm: str, args: list[str], directory: Path) -> None:
    command = [npm, *args]
    result = subprocess.run(command, cwd=directory, stdout=2, check=False)
    if result.returncode != 0:
        shown = " ".join(["npm", *args])
        raise NpmFailed(f"`{shown}` failed in {directory} (exit {result.returncode})")


def install_packages(npm: str, directory: Path) -> str:
    """``npm ci`` (or ``npm install`` without a lockfile) unless node_modules is current."""
    lock = directory / "package-lock.json"
    marker = directory / "node_modules" / ".package-lock.json"  # written by every npm install
    manifests = [directory / "package.json", *([lock] if lock.is_file() else [])]
    if marker.is_file() and all(marker.stat().st_mtime >= m.stat().st_mtime for m in manifests):
        return f"npm packages in {directory} are up to date"
    step = "ci" if lock.is_file() else "install"
    run_npm(npm, [step], directory)
    return f"npm {step} in {directory}"


def build(npm: str, web_dir: Path = WEB_DIR) -> list[str]:
    """Install the client's packages and run ``npm run build``; what was done, step by step."""
    done = [install_packages(npm, web_dir)]
    run_npm(npm, ["run", "build"], web_dir)
    done.append(f"built the browser client into {web_dir / 'dist'}")
    return done


def ensure_built(web_dir: Path = WEB_DIR, *, required: bool) -> list[str]:
    """Build the browser client if it exists and is stale; what was done.

    Without npm: raises `NpmFailed` when ``required``, else reports that the server runs
    without the browser client.
    """
    if not has_client(web_dir):
        return [f"no browser client to build ({web_dir / 'package.json'} not found)"]
    if not is_stale(web_dir):
        return [f"the browser client in {web_dir / 'dist'} is up to date"]
    npm = find_npm()
    if npm is None:
        message = "npm is not installed: cannot build the browser client"
        if required:
            raise NpmFailed(message)
        return [f"{message}; continuing without it (install Node.js + npm and run again)"]
    return build(npm, web_dir)
