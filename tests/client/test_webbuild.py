"""Building the browser client only when needed, with a stand-in npm that records its calls."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from client import machine, webbuild

FAKE_NPM = """\
#!/bin/sh
echo "$*" >> "$NPM_LOG"
case "$1" in
  ci|install) mkdir -p node_modules && touch node_modules/.package-lock.json ;;
  run) [ -n "$NPM_FAIL" ] && exit 3; mkdir -p dist && echo '<html>' > dist/index.html ;;
esac
"""


@pytest.fixture
def npm_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake `npm` first on PATH; returns the file it logs its arguments to."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(FAKE_NPM)
    npm.chmod(0o755)
    log = tmp_path / "npm.log"
    log.touch()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("NPM_LOG", str(log))
    return log


@pytest.fixture
def web(tmp_path: Path) -> Path:
    web_dir = tmp_path / "web"
    (web_dir / "src").mkdir(parents=True)
    (web_dir / "package.json").write_text("{}")
    (web_dir / "package-lock.json").write_text("{}")
    (web_dir / "src" / "main.ts").write_text("export {}")
    return web_dir


def age(path: Path, seconds: float) -> None:
    """Make ``path`` look ``seconds`` older than now."""
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def calls(log: Path) -> list[str]:
    return log.read_text().splitlines()


def test_a_missing_build_is_built_with_npm_ci(web: Path, npm_log: Path) -> None:
    done = webbuild.ensure_built(web, required=True)

    assert calls(npm_log) == ["ci", "run build"]
    assert (web / "dist" / "index.html").is_file()
    assert "built the browser client" in done[-1]


def test_a_current_build_is_left_alone(web: Path, npm_log: Path) -> None:
    webbuild.ensure_built(web, required=True)
    age(web / "src" / "main.ts", 60)

    done = webbuild.ensure_built(web, required=True)

    assert calls(npm_log) == ["ci", "run build"]
    assert "up to date" in done[0]


def test_a_source_newer_than_the_build_rebuilds_without_reinstalling(
    web: Path, npm_log: Path
) -> None:
    webbuild.ensure_built(web, required=True)
    age(web / "dist" / "index.html", 60)

    webbuild.ensure_built(web, required=True)

    assert calls(npm_log) == ["ci", "run build", "run build"]


def test_without_a_lockfile_npm_install_is_used(web: Path, npm_log: Path) -> None:
    (web / "package-lock.json").unlink()

    webbuild.ensure_built(web, required=True)

    assert calls(npm_log)[0] == "install"


def test_a_failing_build_raises_naming_the_step(
    web: Path, npm_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NPM_FAIL", "1")

    with pytest.raises(webbuild.NpmFailed, match=r"`npm run build` failed .*exit 3"):
        webbuild.ensure_built(web, required=True)


def test_without_npm_the_build_is_skipped_unless_required(
    web: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))

    (message,) = webbuild.ensure_built(web, required=False)
    assert "npm is not installed" in message and "continuing without it" in message
    with pytest.raises(webbuild.NpmFailed, match="npm is not installed"):
        webbuild.ensure_built(web, required=True)


def test_no_client_directory_means_nothing_to_build(tmp_path: Path) -> None:
    (message,) = webbuild.ensure_built(tmp_path / "web", required=True)

    assert "no browser client" in message


def test_node_test_packages_are_installed_once(tmp_path: Path, npm_log: Path) -> None:
    node = tmp_path / "node"
    node.mkdir()
    (node / "package.json").write_text("{}")

    machine.node_test_packages(node)
    (second,) = machine.node_test_packages(node)

    assert calls(npm_log) == ["install"]
    assert "up to date" in second


def test_an_installed_chromium_is_left_alone(tmp_path: Path) -> None:
    binary = tmp_path / "chromium"
    binary.touch()

    assert machine.chromium(binary) == [f"chromium is installed ({binary})"]
