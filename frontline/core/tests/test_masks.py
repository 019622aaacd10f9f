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
