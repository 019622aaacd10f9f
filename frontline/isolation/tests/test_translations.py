from pathlib import Path

import polib
import pytest

PO = Path(__file__).resolve().parents[1] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_chinese_translation():
    po = polib.pofile(str(PO))
    assert [e.msgid for e in po if not e.msgstr and not e.obsolete] == []
    assert not [e.msgid for e in po if "fuzzy" in e.flags]


@pytest.mark.django_db
def test_ledger_speaks_chinese_by_default(world, case_a):
    from django.test import Client

    from frontline.isolation import services

    services.record_checkin(case_a, temperature="38.0", actor=world.worker_a)
    client = Client()
    client.force_login(world.worker_a)
    page = client.get("/isolation/").content.decode()
    assert "隔离人员台账" in page and "发热 / 抗原阳性" in page
    r = client.post(f"/isolation/cases/{case_a.pk}/checkin/", {"temperature": "373"})
    assert "可能输错了" in r.content.decode()
