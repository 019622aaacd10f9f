"""Hole 9: with DEBUG off, Frontline refuses to start without FRONTLINE_SECRET_KEY and
FRONTLINE_DATA_KEY in the environment (frontline.E001); the demo and DEBUG generate them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from frontline.core import checks

ROOT = Path(__file__).resolve().parents[3]


def run(tmp_path, code, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PYTEST_VERSION", "DEBUG", "FRONTLINE_SECRET_KEY", "FRONTLINE_DATA_KEY",
                          "FRONTLINE_GENERATE_KEYS")}
    clean.update(FRONTLINE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="frontline.settings", **env)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          timeout=120)


CHECK = "from frontline.cli import main; main(['check'])"
WORKER = "import frontline.wsgi"


@pytest.mark.parametrize("given", [{}, {"FRONTLINE_SECRET_KEY": "s" * 50}, {"FRONTLINE_DATA_KEY": "d" * 44}])
def test_without_both_keys_and_debug_off_nothing_starts(tmp_path, given):
    for code in (CHECK, WORKER):
        done = run(tmp_path, code, **given)
        assert done.returncode != 0, done.stdout
        assert "frontline.E001" in done.stderr
    assert not (tmp_path / "data_key").exists() and not (tmp_path / "secret_key").exists()


def test_with_both_keys_it_starts(tmp_path):
    for code in (CHECK, WORKER):
        done = run(tmp_path, code, FRONTLINE_SECRET_KEY="s" * 50, FRONTLINE_DATA_KEY="d" * 44)
        assert done.returncode == 0, done.stderr
    assert not (tmp_path / "data_key").exists()


@pytest.mark.parametrize("env", [{"FRONTLINE_GENERATE_KEYS": "1"}, {"DEBUG": "1"}])
def test_the_demo_and_debug_generate_the_keys(tmp_path, env):
    done = run(tmp_path, WORKER, **env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data_key").exists() and (tmp_path / "secret_key").exists()
    assert oct((tmp_path / "data_key").stat().st_mode)[-3:] == "600"


def test_frontline_demo_generates_the_keys(tmp_path):
    # ``frontline demo --help`` goes through the same start-up as the demo itself.
    done = run(tmp_path, "from frontline.cli import main; main(['demo', '--help'])")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data_key").exists()


def test_the_check_itself(settings):
    settings.DEBUG, settings.FRONTLINE_GENERATE_KEYS = False, False
    settings.FRONTLINE_MISSING_KEYS = ["FRONTLINE_DATA_KEY"]
    [error] = checks.keys_given()
    assert error.id == "frontline.E001" and "FRONTLINE_DATA_KEY" in error.msg
    settings.FRONTLINE_MISSING_KEYS = []
    assert checks.keys_given() == []
    settings.FRONTLINE_MISSING_KEYS, settings.FRONTLINE_GENERATE_KEYS = ["FRONTLINE_DATA_KEY"], True
    assert checks.keys_given() == []


def test_compiling_translations_needs_no_keys(tmp_path):
    done = run(tmp_path, "from frontline.cli import main; main(['compiletranslations'])")
    assert done.returncode == 0, done.stderr
