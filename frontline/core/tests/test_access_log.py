"""No personal value in the access log (issue 8, hole 2).

The desk's lookup used to send ``GET …/desks/5/lookup?q=61011219311201000X`` and the demo's
gunicorn wrote it to its access log. The screens now POST lookups; the logger writes every path
without its query string, so whatever a browser or a script still puts in a URL stays out.
"""

import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from frontline.accesslog import PathOnlyLogger, without_query
from frontline.core import idnumber

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = Path(sys.executable).with_name("gunicorn")
ID_NUMBER = "610112193112010002"[:17] + idnumber.check_digit("610112193112010002"[:17])
PHONE = "13912345678"
NAME = "曾小明"


def personal_tokens(text: str) -> set[str]:
    """What looks like an ID number or a mobile phone (the database dump test's patterns)."""
    tokens = set(re.findall(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])", text))
    return tokens | set(re.findall(r"(?<![0-9A-Za-z])1\d{10}(?![0-9A-Za-z])", text))


def test_without_query():
    assert without_query(f"/residents/?q={PHONE}") == "/residents/?…"
    assert without_query("/residents/") == "/residents/"
    assert without_query("-") == "-"


def _demo_flags() -> list[str]:
    """The logger flags ``./dev demo`` starts gunicorn with (so the test checks what it runs)."""
    script = (ROOT / "dev").read_text()
    block = script[script.index("  demo)"):script.index("  test)")]
    found = re.search(r"--logger-class\s+(\S+)", block)
    return ["--logger-class", found.group(1)] if found else []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session(base: str):
    """What a demo session's screens and a curious user send, query strings included."""
    quoted = urllib.parse.quote(NAME)
    requests = [
        ("GET", f"/api/v1/screening/desks/5/lookup?q={ID_NUMBER}", None, {}),  # the old desk screen
        ("POST", "/api/v1/screening/desks/5/lookup", f'{{"q": "{ID_NUMBER}"}}'.encode(), {"Content-Type": "application/json"}),
        ("GET", f"/api/v1/residents/lookup?id_number={ID_NUMBER}", None, {}),
        ("GET", f"/residents/?q={PHONE}&status=present", None, {}),
        ("GET", f"/residents/?q={quoted}", None, {}),
        ("GET", "/areas/", None, {"Referer": f"{base}/residents/?q={PHONE}"}),
        ("GET", f"/checkpoints/gates/1/?value={ID_NUMBER}", None, {}),
    ]
    for method, path, body, headers in requests:
        request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
        urllib.request.urlopen(request, timeout=10).read()


def _serve_and_log(tmp_path, cwd, flags) -> str:
    log = tmp_path / f"access-{len(flags)}.log"
    port = _free_port()
    server = subprocess.Popen(
        [str(GUNICORN), "frontline.core.tests.logapp:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--access-logfile", str(log), *flags],
        cwd=cwd, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        _session(f"http://127.0.0.1:{port}")
        time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(10)
    return log.read_text()


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed beside this Python")
def test_the_demo_server_logs_no_id_number_phone_or_name(tmp_path):
    flags = _demo_flags()
    assert flags == ["--logger-class", "frontline.accesslog.PathOnlyLogger"]
    text = _serve_and_log(tmp_path, tmp_path, flags)
    assert text.count("\n") >= 7, text
    assert "/residents/?…" in text and "POST /api/v1/screening/desks/5/lookup" in text
    assert not personal_tokens(text), text
    assert ID_NUMBER not in text and PHONE not in text and NAME not in text
    assert urllib.parse.quote(NAME) not in text
    # The control: gunicorn's own logger, as the demo ran before, writes them all.
    plain = _serve_and_log(tmp_path, tmp_path, ["--access-logformat", '%(h)s "%(r)s" %(s)s "%(f)s"'])
    assert ID_NUMBER in plain and PHONE in plain


@pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed beside this Python")
def test_gunicorn_started_from_the_project_root_uses_the_same_logger(tmp_path):
    """README's plain ``gunicorn frontline.wsgi`` reads gunicorn.conf.py at the project root."""
    text = _serve_and_log(tmp_path, ROOT, [])
    assert "/residents/?…" in text
    assert not personal_tokens(text), text


def test_no_field_screen_script_puts_a_typed_value_in_a_url():
    """The screens' scripts send what was scanned or typed in a POST body, never in a URL."""
    for script in ROOT.glob("frontline/*/static/**/*.js"):
        source = script.read_text()
        assert "?q=" not in source, script
        assert not re.search(r"\?(id_number|value|phone|name)=", source), script


def test_logger_is_a_gunicorn_logger():
    from gunicorn.glogging import Logger

    assert issubclass(PathOnlyLogger, Logger)
