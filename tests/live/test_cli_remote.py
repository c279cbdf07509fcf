"""The online CLI: status, object, support, consensus against a live server."""

from __future__ import annotations

import json

import pytest

from client.cli import main
from tests.live.conftest import Demo

P = "par-11"


def _run(
    capsys: pytest.CaptureFixture[str], demo_server: Demo, code: str, *args: str
) -> tuple[int, str, str]:
    options = ["--server", demo_server.server.base_url, "--token", demo_server.tokens[code]]
    status = main([*args, *options])
    out, err = capsys.readouterr()
    return status, out, err


def test_object_then_failed_consensus_names_the_objector_then_agreed(
    capsys: pytest.CaptureFixture[str], demo_server: Demo
) -> None:
    status, out, _ = _run(capsys, demo_server, "EGY", "object", f"paragraph:{P}", "--json")
    assert status == 0
    objection = json.loads(out)["id"]

    status, _, err = _run(capsys, demo_server, "CHAIR", "consensus", f"paragraph:{P}")
    assert status == 1
    assert "no_consensus" in err and "EGY objects" in err

    status, _, _ = _run(capsys, demo_server, "EGY", "withdraw-objection", objection)
    assert status == 0
    status, out, _ = _run(capsys, demo_server, "CHAIR", "consensus", f"paragraph:{P}")
    assert (status, out.split(":")[0]) == (0, "agreed")

    status, out, _ = _run(capsys, demo_server, "WIKI", "status")
    assert status == 0
    assert "OP5 [agreed]" in out


def test_support_of_an_unknown_amendment_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], demo_server: Demo
) -> None:
    status, _, err = _run(capsys, demo_server, "EGY", "support", "nope")
    assert status == 1
    assert "unknown_amendment" in err


def test_a_wrong_token_is_refused(capsys: pytest.CaptureFixture[str], demo_server: Demo) -> None:
    status = main(["status", "--server", demo_server.server.base_url, "--token", "wrong"])
    assert status == 1
    assert "unauthenticated" in capsys.readouterr().err
