"""One mask per kind of personal value (issue 8, "masking in one place")."""

import pytest

from frontline.core import personal


def test_every_app_uses_the_one_name_mask():
    from frontline.checkpoints import decisions
    from frontline.screening.services import people

    assert people.mask_name is personal.mask_name
    assert decisions.mask_name is personal.mask_name


@pytest.mark.parametrize(("name", "masked"), [("张三", "张*"), ("曾小明", "曾*明"), ("欧阳小明", "欧**明"), ("李", "李"), ("", "")])
def test_name_mask(name, masked):
    assert personal.mask_name(name) == masked


def test_id_number_and_phone_masks():
    assert personal.mask_id_number("61010319900315123X") == "610103********123X"
    assert personal.mask_phone("13800001234") == "138****1234"
    assert personal.mask_phone("88881234") == "****1234"


# --- the scripts' masks are the same functions ------------------------------------------------------

import json  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
NAMES = ["张三", "曾小明", "欧阳小明", "李", "", "  王五 ", "Anna", "𠮷野家", "阿卜杜热合曼·买买提"]
IDS = ["61010319900315123X", "610103199003151", "123", "", "140821198301150014"]


def _node(source: str) -> list:
    out = subprocess.run(["node", "-e", source], capture_output=True, text=True, check=True, timeout=30).stdout
    return json.loads(out)


def _function(path: str, name: str) -> str:
    """The source of ``function name(...)`` in a script (a one-liner, or up to its closing brace)."""
    text = (ROOT / path).read_text()
    start = text.index(f"function {name}(")
    line_end = text.index("\n", start)
    if text[start:line_end].rstrip().endswith("}"):
        return text[start:line_end]
    return text[start:text.index("\n  }\n", start) + 4]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_gate_script_masks_names_as_python_does():
    script = (ROOT / "frontline/checkpoints/static/checkpoints/gate-rules.js").read_text()
    result = _node(f"const window = {{}}; {script}; console.log(JSON.stringify({json.dumps(NAMES)}.map(window.GateRules.maskName)))")
    assert result == [personal.mask_name(n) for n in NAMES]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_desk_script_masks_names_and_id_numbers_as_python_does():
    desk = "frontline/screening/static/screening/desk.js"
    source = _function(desk, "maskName") + "\n" + _function(desk, "maskId")
    names = _node(f"{source}; console.log(JSON.stringify({json.dumps(NAMES)}.map(maskName)))")
    ids = _node(f"{source}; console.log(JSON.stringify({json.dumps(IDS)}.map(maskId)))")
    assert names == [personal.mask_name(n) for n in NAMES]
    assert ids == [personal.mask_id_number(n) for n in IDS]


def test_no_script_masks_a_name_its_own_way():
    """The old desk masked a visitor as name[0] + "*" (张小明 → 张*, not 张*明)."""
    for script in ROOT.glob("frontline/*/static/**/*.js"):
        assert not re.search(r"\.slice\(0, 1\) \+ \"\*\"", script.read_text()), script
