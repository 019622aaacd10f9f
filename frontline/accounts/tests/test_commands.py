import pytest
from django.core.management import CommandError, call_command

from frontline.accounts.models import User

pytestmark = pytest.mark.django_db


def test_createuser_with_role_on_area_path(world, capsys):
    call_command("createuser", "newgrid", role="grid_worker", area="测试市/测试区/中城街道/八一西街社区/小区A", password="pw-123456789")
    user = User.objects.get(username="newgrid")
    assert user.check_password("pw-123456789")
    assert user.scope_paths("view") == [world.compound_a.path]


def test_createuser_generates_password_without_terminal(world, capsys):
    call_command("createuser", "gen", role="volunteer", area=str(world.compound_b.pk))
    assert "password:" in capsys.readouterr().out


def test_createuser_unknown_area(world):
    with pytest.raises(CommandError, match="No area named"):
        call_command("createuser", "x", role="volunteer", area="测试市/没有这个区")
    assert not User.objects.filter(username="x").exists()
