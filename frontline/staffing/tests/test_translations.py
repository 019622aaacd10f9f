from pathlib import Path

import polib
import pytest

PO = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po if not (e.msgstr or e.msgstr_plural.get(0)) and not e.obsolete] == []
    assert not [e.msgid for e in po if "fuzzy" in e.flags]


@pytest.mark.django_db
def test_my_shifts_speaks_chinese(world):
    from django.test import Client

    client = Client()
    client.force_login(world.worker_a)
    page = client.get("/staffing/my/").content.decode()
    assert "我的班次" in page
