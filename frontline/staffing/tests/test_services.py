import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from frontline.core.models import AuditEntry
from frontline.staffing import services
from frontline.staffing.models import CheckIn, Shift, StaffMember

pytestmark = pytest.mark.django_db


def test_phone_is_encrypted_and_masked(staffing):
    m = services.create_member(area=staffing.world.community, name="李雷", phone="13912345678", actor=staffing.actor)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("select phone from staffing_staffmember where id = %s", [m.pk])
        raw = cursor.fetchone()[0]
    assert "13912345678" not in raw
    assert StaffMember.objects.get(pk=m.pk).phone_masked == "139****5678"
    entry = AuditEntry.objects.filter(model="staffing.staffmember", object_id=str(m.pk)).first()
    assert "13912345678" not in str(entry.changes)


def test_check_in_elsewhere_is_refused_with_where(staffing, world):
    member = staffing.members[0]
    services.create_member  # noqa: B018
    from tests.factories import area

    other = world.other_community
    with pytest.raises(ValidationError) as exc:
        services.check_in(member=member, community=other, received_by="x", actor=world.admin)
    assert "already checked in at 八一西街社区" in " ".join(exc.value.messages)
    assert CheckIn.objects.filter(member=member).count() == 1
    with pytest.raises(ValidationError, match="already checked in here"):
        services.check_in(member=member, community=world.community, received_by="x", actor=world.admin)
    # released, they may check in elsewhere; their community moves with them
    services.release(member.checkins.get(), reason="调往邻社区", actor=world.admin)
    services.check_in(member=member, community=other, received_by="邻社区书记", actor=world.admin)
    member.refresh_from_db()
    assert member.area == other
    assert area  # factory import kept for readability


def test_overlapping_need_templates_are_refused(staffing):
    with pytest.raises(ValidationError, match="overlaps"):
        services.add_need(post=staffing.post, start=datetime.time(7), end=datetime.time(9), actor=staffing.actor)
    # over midnight into the next day's 00-08
    with pytest.raises(ValidationError, match="overlaps"):
        services.add_need(post=staffing.post, weekday=2, start=datetime.time(23), end=datetime.time(1), actor=staffing.actor)


def test_need_with_more_skilled_than_people_is_refused(staffing):
    post = services.create_post(area=staffing.world.compound_a, name="采样点", kind="sampling", actor=staffing.actor)
    with pytest.raises(ValidationError):
        services.add_need(post=post, start=datetime.time(7), end=datetime.time(19), people=2, skill="medical",
                          skill_people=3, actor=staffing.actor)


def test_a_period_in_the_past_is_refused(staffing):
    with pytest.raises(ValidationError, match="past"):
        services.create_roster(area=staffing.world.community, starts_on=timezone.localdate() - datetime.timedelta(days=1),
                               actor=staffing.actor)


def test_only_roster_makers_make_rosters(staffing, world):
    with pytest.raises(PermissionDenied):
        services.create_roster(area=world.community, starts_on=staffing.monday, actor=world.worker_a)


def test_generate_covers_every_slot_and_publish(staffing):
    roster = staffing.roster()
    result = services.generate(roster, actor=staffing.actor)
    assert result.complete
    shifts = Shift.objects.filter(roster=roster)
    assert shifts.count() == 21 and not shifts.filter(member__isnull=True).exists()
    services.publish(roster, actor=staffing.actor)
    roster.refresh_from_db()
    assert roster.status == "published" and roster.breakdown


def test_need_nobody_can_fill_is_explained(staffing):
    post = services.create_post(area=staffing.world.compound_a, name="医疗点", kind="sampling", actor=staffing.actor)
    services.add_need(post=post, start=datetime.time(9), end=datetime.time(12), people=1, skill="medical",
                      actor=staffing.actor)
    roster = staffing.roster(days=2)
    result = services.generate(roster, actor=staffing.actor)
    assert result.status == "infeasible"
    roster.refresh_from_db()
    assert roster.conflicting_rules == ["skills"]
    labels = " ".join(" ".join(h["reasons"]) for h in roster.holes)
    assert "1 with medical needed, 0 available" in labels
    # the partial roster keeps the rest covered
    assert Shift.objects.filter(roster=roster, member__isnull=True).count() == 0  # seats filled, skill missing
    assert len(roster.holes) == 2


def test_a_person_available_zero_hours_gets_no_shift(staffing):
    away = staffing.add_member("病假")
    services.add_unavailability(member=away, starts_on=staffing.monday - datetime.timedelta(days=1),
                                ends_on=staffing.monday + datetime.timedelta(days=10), reason="病假", actor=staffing.actor)
    roster = staffing.roster()
    assert services.generate(roster, actor=staffing.actor).complete
    assert not Shift.objects.filter(roster=roster, member=away).exists()


def test_manual_edit_that_double_books_needs_a_reason(staffing):
    roster = staffing.roster(days=2)
    services.generate(roster, actor=staffing.actor)
    first, second = Shift.objects.filter(roster=roster).order_by("starts_at")[:2]
    found = services.edit_violations(second, first.member)
    assert {v.rule for v in found} >= {"one_per_day"}
    with pytest.raises(ValidationError, match="give a reason"):
        services.assign(second, member=first.member, actor=staffing.actor)
    services.assign(second, member=first.member, reason="人手不足，本人同意", actor=staffing.actor)
    second.refresh_from_db()
    assert second.member == first.member and second.edited
    assert AuditEntry.objects.filter(model="staffing.shift", reason="人手不足，本人同意").exists()


def test_calendar_token_issue_and_revoke(staffing):
    m = staffing.members[0]
    token = services.issue_calendar_token(m, actor=staffing.actor)
    assert StaffMember.objects.get(calendar_token=token) == m
    services.revoke_calendar_token(m, actor=staffing.actor)
    assert not StaffMember.objects.filter(calendar_token=token).exists()


def test_filling_a_hole_by_hand(staffing):
    roster = staffing.roster(days=1)
    services.generate(roster, actor=staffing.actor)
    shift = Shift.objects.filter(roster=roster).order_by("starts_at").first()
    member = shift.member
    services.assign(shift, member=None, reason="调岗", actor=staffing.actor)
    shift.refresh_from_db()
    assert shift.member is None
    # the whole slot is empty now: filling it back breaks nothing
    assert services.assign(shift, member=member, actor=staffing.actor) == []
