"""The demo: two communities from the seed articles and one login per role.

盐湖区中城街道八一西街社区 (Yuncheng): three family compounds, 54 households, 162 people.
未央区谭家街道绿地香树花城社区 (Xi'an): about 2,300 households in three phases.
"""

import random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import translation

from frontline.accounts.models import RoleAssignment, User
from frontline.areas.models import Area
from frontline.areas.services import create_area
from frontline.core.access import system_actor
from frontline.residents.models import Resident

from . import people
from .bulk import BulkBuilder

DEMO_PASSWORD = "frontline-2022"

# username, display name, role, path of area names from the city down (None: superuser)
USERS = [
    ("admin", "系统管理员", None, None),
    ("city_admin", "市指挥部", "city_admin", ["西安市"]),
    ("street_officer", "谭家街道办", "street_officer", ["西安市", "未央区", "谭家街道"]),
    ("secretary", "薛书记", "community_secretary", ["西安市", "未央区", "谭家街道", "绿地香树花城社区"]),
    ("worker", "社区工作者", "community_worker", ["西安市", "未央区", "谭家街道", "绿地香树花城社区"]),
    ("grid", "网格员", "grid_worker", ["西安市", "未央区", "谭家街道", "绿地香树花城社区", "香树花城一期"]),
    ("cadre", "王瑨(下沉干部)", "deployed_cadre", ["西安市", "未央区", "谭家街道", "绿地香树花城社区", "香树花城二期"]),
    ("leader", "楼栋长", "building_leader", ["西安市", "未央区", "谭家街道", "绿地香树花城社区", "香树花城一期", "1号楼"]),
    ("volunteer", "志愿者", "volunteer", ["西安市", "未央区", "谭家街道", "绿地香树花城社区", "香树花城一期"]),
    ("sampler", "采样医生", "sampler", ["西安市", "未央区", "谭家街道", "绿地香树花城社区"]),
    ("lab", "检测实验室", "lab", ["西安市"]),
    ("wangtao", "王涛(八一西街网格员)", "grid_worker", ["运城市", "盐湖区", "中城街道", "八一西街社区"]),
]

# Further roles of some logins: the demo's laboratory tests the tubes of both cities.
EXTRA_ROLES = [
    ("lab", "lab", ["运城市"]),
]

YUNCHENG_COMPOUNDS = [("盐湖区畜牧局家属院", 20), ("动物检疫站家属院", 16), ("煤建公司家属院", 18)]
XIAN_PHASES = [("香树花城一期", 8), ("香树花城二期", 8), ("香树花城三期", 8)]


def _path(names):
    area = None
    for name in names:
        area = Area.objects.get(parent=area, name=name)
    return area


# Whatever the demo builds in no login's name is recorded as "system:demo" in the change log.
DEMO = system_actor("demo")


def _sizes(rnd, households, people_total):
    """Household sizes (1–6) that add up to exactly ``people_total``."""
    sizes = [rnd.choice([1, 2, 2, 3, 3, 3, 4, 4, 5]) for _ in range(households)]
    while sum(sizes) != people_total:
        i = rnd.randrange(households)
        if sum(sizes) < people_total and sizes[i] < 6:
            sizes[i] += 1
        elif sum(sizes) > people_total and sizes[i] > 1:
            sizes[i] -= 1
    return sizes


def build_yuncheng(builder):
    street = create_area(name="中城街道", kind="street", actor=DEMO, parent=create_area(
        name="盐湖区", kind="district", actor=DEMO, parent=create_area(name="运城市", kind="city", actor=DEMO)))
    community = create_area(name="八一西街社区", kind="community", parent=street, actor=DEMO)
    rnd = random.Random(54)
    sizes = iter(_sizes(rnd, 54, 162))
    builder.ids = people.IDNumbers(people.AREA_CODES["yuncheng"])
    for name, households in YUNCHENG_COMPOUNDS:
        compound = builder.area(name, "compound", community)
        buildings = 2 if households > 16 else 1
        made = 0
        for b in range(1, buildings + 1):
            building = builder.area(f"{b}号楼", "building", compound)
            for u in (1, 2):
                unit = builder.area(f"{u}单元", "unit", building)
                share = households // (buildings * 2) + (1 if made < households % (buildings * 2) else 0)
                for k in range(share):
                    floor = k // 2 + 1
                    builder.household(unit, f"{floor}0{k % 2 + 1}", floor, size=next(sizes))
                made += 1
    builder.flush()


def build_xian(builder):
    street = create_area(name="谭家街道", kind="street", actor=DEMO, parent=create_area(
        name="未央区", kind="district", actor=DEMO, parent=create_area(name="西安市", kind="city", actor=DEMO)))
    community = create_area(name="绿地香树花城社区", kind="community", parent=street, actor=DEMO)
    builder.ids = people.IDNumbers(people.AREA_CODES["xian"])
    for name, buildings in XIAN_PHASES:
        compound = builder.area(name, "compound", community)
        for b in range(1, buildings + 1):
            building = builder.area(f"{b}号楼", "building", compound)
            for u in (1, 2):
                unit = builder.area(f"{u}单元", "unit", building)
                for floor in range(1, 25):
                    for room in (1, 2):
                        builder.household(unit, f"{floor}{room:02d}", floor)
    builder.flush()


def ensure_users():
    """Create (or reset) one login per role; returns [(username, password, display, role, areas)]."""
    extra = {}
    for username, role, names in EXTRA_ROLES:
        extra.setdefault(username, []).append((role, names))
    # One hash for the one published password: a dozen PBKDF2 runs were most of a re-run's time.
    password = make_password(DEMO_PASSWORD)
    logins = []
    for username, display, role, names in USERS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.display_name = display
        user.is_superuser = user.is_staff = role is None
        user.is_active = True
        user.password = password
        user.save()
        areas = []
        for held, path in ([(role, names)] if role else []) + extra.get(username, []):
            area = _path(path)
            RoleAssignment.objects.get_or_create(user=user, role=held, area=area)
            areas.append(area.full_name())
        logins.append((username, DEMO_PASSWORD, display, role or "superuser", " + ".join(areas) or "—"))
    return logins


def demo_builders():
    """The apps' demo builders (``FrontlineApp.demo_builder``), in ``demo_order``."""
    from frontline.core.registry import frontline_apps, resolve

    found = [app for app in frontline_apps() if app.demo_builder]
    return [resolve(app.demo_builder) for app in sorted(found, key=lambda app: app.demo_order)]


def build_demo(stdout=None) -> dict:
    """Build the demo; on later runs only reset the logins and add what is missing.

    Other apps add their own data through their ``demo_builder`` (``build(stdout)``).
    The hook is called on every run, inside one transaction, and must itself be idempotent (it
    finds what it made before and adds nothing twice), so a database built before an app had a
    demo gets that app's data on the next run. It returns the places worth visiting:
    ``[(what, url path, username)]``, printed after the logins.
    """
    created = False
    if not Area.objects.filter(parent=None, name="西安市").exists():
        with transaction.atomic():
            builder = BulkBuilder(seed=2022)
            build_yuncheng(builder)
            build_xian(builder)
            builder.finish()
        created = True
    logins = ensure_users()
    places = []
    for build in demo_builders():
        # What services store as text (alerts, reasons) is written in the UI's language.
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            places += build(stdout=stdout) or []
    return {"created": created, "logins": logins, "places": places, "residents": Resident.objects.count()}
