"""Demo data for mass testing: in each demo community, this morning's targeted screening of one
building (closed, one positive pool: retest list, temporary control, dashboard alert) and
today's community-wide round in progress (a site with two staffed desks, tubes sealed and open,
bags at the lab, results with one invalid tube and one conflict, exemptions, home sampling).

Everything goes through the screening services, with the demo's own logins as the actors, so
the change log, counters and coverage rules hold as they would in the field. Idempotent: a
community that has a round already is left alone.
"""

import datetime
import uuid

from django.utils import timezone

from frontline.accounts.models import User
from frontline.areas.models import Area
from frontline.core.access import system_actor
from frontline.core.scoping import prefix_q
from frontline.residents.models import Resident

from .coverage import population
from .models import Desk, DeskAssignment, Exemption, HomeTask, Lab, Round, Tube
from .services import results, rounds, sampling, transport

LAB = ("秦晋联合核酸检测实验室", "QJLAB")
BATCH = 500


class Story:
    """One demo community: who plans, who sits at the desks, where the site is, how far the
    round has got (``share`` of each compound's households sampled, in ledger order)."""

    def __init__(self, *, community, planner, desks, site_area, site_name, location, earlier_building, shares, prefix,
                 bag_digit):
        self.community = community
        self.planner = planner
        self.desks = desks  # [(desk name, [(username, duty)], username who scans)]
        self.site_area = site_area
        self.site_name = site_name
        self.location = location
        self.earlier_building = earlier_building
        self.shares = shares  # compound name → share of its households sampled today
        self.prefix = prefix  # tube barcode letters for this community
        self.bag_digit = bag_digit  # and the digit after the date in its bag barcodes


def _area(*names):
    area = None
    for name in names:
        area = Area.objects.get(parent=area, name=name)
    return area


def _user(username):
    return User.objects.get(username=username)


def stories() -> list[Story]:
    xian = _area("西安市", "未央区", "谭家街道", "绿地香树花城社区")
    yuncheng = _area("运城市", "盐湖区", "中城街道", "八一西街社区")
    phase1 = xian.children.get(name="香树花城一期")
    return [
        Story(community=yuncheng, planner="wangtao", site_area=yuncheng, site_name="八一西街社区广场采样点",
              location="社区广场东侧凉棚", earlier_building=("盐湖区畜牧局家属院", "1号楼"),
              desks=[("1号台", [("wangtao", DeskAssignment.Duty.RECORDER)], "wangtao"),
                     ("2号台", [("wangtao", DeskAssignment.Duty.LEAD)], "wangtao")],
              shares={"盐湖区畜牧局家属院": 0.9, "动物检疫站家属院": 0.75, "煤建公司家属院": 0.5}, prefix="YC",
              bag_digit=1),
        Story(community=xian, planner="secretary", site_area=phase1, site_name="一期南门广场采样点",
              location="一期南门内广场，帐篷两顶", earlier_building=("香树花城一期", "1号楼"),
              desks=[("1号台", [("volunteer", DeskAssignment.Duty.RECORDER), ("sampler", DeskAssignment.Duty.SWABBER)], "volunteer"),
                     ("2号台", [("grid", DeskAssignment.Duty.RECORDER)], "grid")],
              shares={"香树花城一期": 0.7, "香树花城二期": 0.15}, prefix="XA", bag_digit=2),
    ]


class Barcodes:
    def __init__(self, prefix, day, bag_digit=0):
        self.prefix, self.day, self.bag_digit, self.n, self.bags = prefix, day, bag_digit, 0, 0

    def tube(self):
        self.n += 1
        return f"{self.prefix}{self.day:%Y%m%d}{self.n:05d}"

    def bag(self):
        self.bags += 1
        return f"BAG{self.day:%Y%m%d}{self.bag_digit}{self.bags:03d}"


def today_start(now):
    """When today's round opened: 06:00, or an hour ago when the demo is built before 07:00."""
    local = timezone.localtime(now)
    return min(local.replace(hour=6, minute=0, second=0, microsecond=0),
               local.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=1))


def _sample(desk, tube_codes, residents, actor, capacity, *, seal_last):
    """Scan ``residents`` into fresh tubes at ``desk`` as its staff would; the last tube stays
    open unless ``seal_last``. Returns the barcodes used, in order."""
    items, used = [], []
    for i, resident_id in enumerate(residents):
        if i % capacity == 0:
            used.append(tube_codes.tube())
        items.append({"client_id": str(uuid.uuid4()), "desk": desk.pk, "tube": used[-1], "resident": resident_id})
    if seal_last and residents and len(residents) % capacity:
        items.append({"client_id": str(uuid.uuid4()), "kind": "seal", "desk": desk.pk, "tube": used[-1]})
    for start in range(0, len(items), BATCH):
        outcomes = sampling.ingest(items[start:start + BATCH], actor=actor)
        refused = [o.message for o in outcomes if o.status == sampling.REJECTED]
        if refused:
            raise RuntimeError(f"demo sampling refused: {refused[:3]}")
    return used


def _ship(site, tubes, codes, lab, *, packer, lab_user, per_bag=20):
    """Pack sealed tubes into bags, send them, and have the lab receive them. Returns the bags."""
    bags = []
    for start in range(0, len(tubes), per_bag):
        bag = transport.create_bag(site, codes.bag(), actor=packer)
        for code in tubes[start:start + per_bag]:
            transport.pack_tube(bag, code, actor=packer)
        transport.send_bag(bag, lab, actor=packer)
        bags.append(transport.receive_bag(bag.barcode, actor=lab_user, source="web"))
    return bags


def _report(codes, result_for, lab_user, tested_at, ref):
    rows = [results.ResultRow(code, result_for(code), tested_at, ref=str(i + 1)) for i, code in enumerate(codes)]
    outcomes = results.report_results(rows, actor=lab_user, source="api", source_ref=ref)
    bad = [o for o in outcomes if o.status not in ("accepted", "conflict")]
    if bad:
        raise RuntimeError(f"demo results refused: {[(o.barcode, o.message) for o in bad[:3]]}")


def _household_order(residents) -> list[tuple[int, int]]:
    """(resident id, household id) grouped by household in ledger order (a family queues
    together); read as plain values, so no personal field is decrypted for it."""
    return list(residents.order_by("household__area__path", "household__room", "pk").values_list("pk", "household_id"))


def build_earlier(story: Story, lab, lab_user, codes, now) -> Round:
    """This morning's targeted screening of one building, closed, with one positive pool."""
    planner = _user(story.planner)
    building = story.community.children.get(name=story.earlier_building[0]).children.get(name=story.earlier_building[1])
    start = today_start(now) - datetime.timedelta(hours=3)
    round_obj = rounds.create_round(
        name=f"{building.parent.name}{building.name}重点筛查", areas=[building], starts_at=start,
        ends_at=start + datetime.timedelta(hours=2), pooling=Round.Pooling.TEN, actor=planner,
        notes="楼内报告一例发热病人，全楼先行十混一筛查。",
    )
    rounds.set_round_status(round_obj, Round.Status.OPEN, actor=planner, reason="采样开始")
    site = rounds.add_site(round_obj, area=building.parent, name=f"{building.name}楼下采样点", location=f"{building.name}单元门口",
                           actor=planner)
    name, staff, scanner = story.desks[0]
    desk = rounds.add_desk(site, name=name, actor=planner)
    for username, duty in staff:
        rounds.assign_staff(desk, _user(username), duty=duty, actor=planner)
    people = [pk for pk, _household in _household_order(population(round_obj))]
    tubes = _sample(desk, codes, people, _user(scanner), round_obj.tube_capacity, seal_last=True)
    _ship(site, tubes, codes, lab, packer=_user(scanner), lab_user=lab_user)
    positive = tubes[len(tubes) // 2]
    _report(tubes, lambda code: "positive" if code == positive else "negative", lab_user,
            start + datetime.timedelta(hours=2, minutes=40), f"{lab.code}-{round_obj.pk}-早筛")
    rounds.set_round_status(round_obj, Round.Status.CLOSED, actor=planner, reason="本楼采样完毕，结果已回")
    # The first people of the pool have had their single-tube retest taken at home.
    retest_codes = Barcodes(story.prefix + "D", now.date())
    for item in Tube.objects.get(barcode=positive).retest_items.order_by("id")[:3]:
        results.record_retest(item, actor=_user(scanner), retest_barcode=retest_codes.tube(), note="上门单管复核")
    return round_obj


def build_today(story: Story, lab, lab_user, codes, now) -> Round:
    """Today's community-wide round, in progress."""
    planner = _user(story.planner)
    community = story.community
    start = today_start(now)
    round_obj = rounds.create_round(
        name=f"{community.name}全员核酸检测（{timezone.localdate(now):%m月%d日}）", areas=[community], starts_at=start,
        ends_at=max(start + datetime.timedelta(hours=14), now + datetime.timedelta(hours=2)), pooling=Round.Pooling.TEN, actor=planner,
        notes="应检尽检、不漏一人：行动不便者上门采样，外出人员凭证明登记。",
    )
    rounds.set_round_status(round_obj, Round.Status.OPEN, actor=planner, reason="按指挥部通知开始全员采样")
    site = rounds.add_site(round_obj, area=story.site_area, name=story.site_name, location=story.location, actor=planner)
    desks = []
    for name, staff, scanner in story.desks:
        desk = rounds.add_desk(site, name=name, actor=planner)
        for username, duty in staff:
            rounds.assign_staff(desk, _user(username), duty=duty, actor=planner)
        desks.append((desk, _user(scanner)))

    # Home sampling for the bedridden (or, where there are none, the frailest elder), and
    # exemptions with their reasons; these people are not queued at the desks.
    rounds.plan_home_tasks_for_bedridden(round_obj, actor=planner)
    expected = list(population(round_obj).exclude(birth_date=None).order_by("-birth_date", "pk").values_list("pk", "birth_date"))

    def resident(pk):
        return Resident.objects.select_related("household__area").get(pk=pk)

    if not HomeTask.objects.filter(round=round_obj).exists():
        for pk, _born in expected[-2:]:
            rounds.create_home_task(round_obj, resident(pk), reason=HomeTask.Reason.OTHER, note="腿脚不便，下不了楼",
                                    actor=planner)
    at_home = set(HomeTask.objects.filter(round=round_obj).values_list("resident_id", flat=True))
    infants = [pk for pk, born in expected if (now.date() - born).days < 3 * 365][:1]
    adults = [pk for pk, born in reversed(expected) if pk not in at_home and 25 <= (now.date() - born).days // 365 <= 55]
    exemptions = [(pk, Exemption.Reason.INFANT, "") for pk in infants] + [
        (adults[0], Exemption.Reason.AWAY, "在外地出差，已报备，附行程卡截图"),
        (adults[7], Exemption.Reason.HOSPITAL, "在市中心医院住院陪护，医院已采样"),
        (adults[15], Exemption.Reason.TESTED_ELSEWHERE, "单位今晨已做单采，报告编号 DW-0415"),
    ]
    for pk, reason, evidence in exemptions:
        rounds.add_exemption(round_obj, resident(pk), reason=reason, evidence=evidence, actor=planner)
    skip = at_home | {pk for pk, _reason, _e in exemptions}

    # Desks: each compound has sent a share of its households; desk by desk, tube by tube.
    queue = []
    for compound in community.children.order_by("path"):
        people = _household_order(population(round_obj).filter(prefix_q("household__area__path", compound.path))
                                  .exclude(pk__in=skip))
        households = list(dict.fromkeys(household for _pk, household in people))
        share = story.shares.get(compound.name, 0)
        chosen = set(households[: int(len(households) * share)])
        queue += [pk for pk, household in people if household in chosen]
    halves = [queue[i::len(desks)] for i in range(len(desks))]
    sealed = []
    for (desk, scanner), people in zip(desks, halves, strict=True):
        capacity = round_obj.tube_capacity
        # Leave the desk's last tube open, with a few swabs in it, as a desk mid-queue has.
        if len(people) % capacity == 0 and people:
            people = people[:-3]
        used = _sample(desk, codes, people, scanner, capacity, seal_last=False)
        sealed.append(used[:-1])

    # The home visits: the sampler at the door scans a tube for the first tasks; one at least is still to do.
    home_sampler = desks[0][1] if story.planner == "wangtao" else _user("sampler")
    tasks = list(HomeTask.objects.filter(round=round_obj, status=HomeTask.Status.OPEN).order_by("id"))
    for task in tasks[:min(2, len(tasks) - 1)]:
        sampling.complete_home_task(task, codes.tube(), actor=home_sampler)

    # The first sealed tubes have reached the lab in bags of twenty (up to two bags, or about
    # three in five of a small community's tubes); the next few are being packed.
    first = [code for codes_of_desk in zip(*sealed, strict=False) for code in codes_of_desk]
    shipped = first[:min(40, max(2, len(first) * 3 // 5))]
    packer = desks[0][1]
    _ship(site, shipped, codes, lab, packer=packer, lab_user=lab_user)
    packing = transport.create_bag(site, codes.bag(), actor=packer)
    for code in first[len(shipped):len(shipped) + 6]:
        transport.pack_tube(packing, code, actor=packer)

    # Results for most received tubes: negatives, and one invalid tube (its people are back on
    # the list); one negative is then reported again as invalid, a conflict to review.
    resulted = shipped[:max(2, len(shipped) * 4 // 5)]
    invalid = resulted[len(resulted) // 3]
    tested = now - datetime.timedelta(minutes=20)
    _report(resulted, lambda code: "invalid" if code == invalid else "negative", lab_user, tested,
            f"{lab.code}-{round_obj.pk}-1")
    _report([resulted[-1]], lambda code: "invalid", lab_user, tested + datetime.timedelta(minutes=5),
            f"{lab.code}-{round_obj.pk}-2")
    return round_obj


def build(stdout=None) -> list[tuple[str, str, str]]:
    lab_user = _user("lab")
    lab = Lab.objects.filter(code=LAB[1]).first() or rounds.create_lab(name=LAB[0], code=LAB[1], members=[lab_user],
                                                                               actor=system_actor("demo"))
    now = timezone.localtime()
    made = 0
    for story in stories():
        if Round.objects.filter(areas__path__startswith=story.community.path).exists():
            continue
        codes = Barcodes(story.prefix, now.date(), story.bag_digit)
        build_earlier(story, lab, lab_user, codes, now)
        build_today(story, lab, lab_user, codes, now)
        made += 1
    if made and stdout:
        stdout.write(f"Screening demo: {made} communities with a round in progress.")
    return places()


def places() -> list[tuple[str, str, str]]:
    found = []
    for story in stories():
        round_obj = (Round.objects.filter(areas=story.community, status=Round.Status.OPEN).order_by("-starts_at").first())
        if round_obj is None:
            continue
        name, _staff, scanner = story.desks[0]
        desk = Desk.objects.filter(site__round=round_obj, name=name).first()
        tag = story.community.name
        if desk:
            found.append((f"sampling desk ({tag})", f"/screening/desk/{desk.pk}/", scanner))
        found.append((f"round coverage ({tag})", f"/screening/rounds/{round_obj.pk}/coverage/", story.planner))
        found.append((f"retests, alerts ({tag})", "/screening/retests/", story.planner))
    found.append(("conflicting lab results", "/screening/results/conflicts/", "secretary"))
    found.append(("lab: post results by file", "/screening/results/import/", "lab"))
    return found

