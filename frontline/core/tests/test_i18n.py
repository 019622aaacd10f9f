"""Chinese by default, English through the language switcher; no untranslated string ships."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_are_chinese_by_default(world, login):
    html = login(world.worker_a).get(reverse("core:dashboard")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "工作台" in html and "重点人群" in html and "独居老人（60岁以上）" in html
    assert "Dashboard" not in html


def test_the_switcher_turns_pages_english_and_back(world, login):
    client = login(world.worker_a)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("residents:list")})
    assert response.status_code == 302 and response["Location"] == reverse("residents:list")
    html = client.get(reverse("residents:list")).content.decode()
    assert '<html lang="en">' in html and "Residents" in html and "居民" not in html.split("<main>")[1]
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "工作台" in client.get(reverse("core:dashboard")).content.decode()


def test_the_switcher_names_each_language_in_itself(world, login):
    html = login(world.worker_a).get(reverse("core:dashboard")).content.decode()
    assert ">English</option>" in html and ">简体中文</option>" in html


def test_login_page_in_chinese(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "登录" in html and "用户名" in html


def test_every_message_of_the_project_is_translated():
    root = Path(settings.BASE_DIR) / "frontline"
    files = sorted(root.rglob("locale/zh_Hans/LC_MESSAGES/django.po"))
    assert files
    missing = []
    for path in files:
        for entry in polib.pofile(str(path)):
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags or not entry.translated():
                missing.append(f"{path.relative_to(root)}: {entry.msgid!r}")
    assert not missing, "untranslated:\n" + "\n".join(missing)
