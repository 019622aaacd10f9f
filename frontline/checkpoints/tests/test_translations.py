from pathlib import Path

import polib
import pytest

from frontline.checkpoints.policy import RULES

PO = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation():
    po = polib.pofile(str(PO))
    missing = [e.msgid for e in po if not e.msgstr and not e.obsolete]
    assert missing == []
    assert not [e.msgid for e in po if "fuzzy" in e.flags]


def test_every_rule_reads_in_chinese():
    from django.utils import translation

    for code, label in RULES.items():
        with translation.override("en"):
            english = str(label)
        with translation.override("zh-hans"):
            chinese = str(label)
        assert chinese != english, code


@pytest.mark.django_db
def test_gate_screen_speaks_chinese_by_default(world, gate_a):
    from django.test import Client

    client = Client()
    client.force_login(world.volunteer_a)
    page = client.get(f"/checkpoints/gates/{gate_a.pk}/").content.decode()
    assert "登记放行" in page and "三码与体温" in page
