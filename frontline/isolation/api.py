"""/api/v1/isolation: cases (list sorted by urgency, detail, create), check-ins, release, transfer.

Scoped like every record: a case outside your areas is 404; inside them but not allowed by your
role is 403; a refused value (a temperature of 373, a release without a negative result or a
reason, a full site) is 422 with the field and the rule.
"""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Status

from frontline.core.apikit import ERRORS, RecordId
from frontline.core.scoping import get_scoped_or_404
from frontline.residents.models import Resident

from . import services
from .ledger import ledger_page
from .models import CheckIn, IsolationCase, IsolationSite
from .schemas import (
    CaseIn,
    CaseOut,
    CheckInIn,
    CheckInOut,
    ReleaseIn,
    TransferIn,
    TransferOut,
    case_out,
    checkin_out,
    transfer_out,
)

router = Router(tags=["isolation"])
LIST_LIMIT = 500


def _case(request, case_id) -> IsolationCase:
    return get_scoped_or_404(IsolationCase.objects.select_related("resident__household__area", "site"), request.user, "view",
                             pk=case_id)


@router.get("/cases", response={200: list[CaseOut], **ERRORS})
def list_cases(request, limit: int = Query(100, ge=1, le=LIST_LIMIT)):
    """Open cases in your areas, most urgent first: a fever or positive antigen in the last 24 h,
    then no check-in today, then the soonest planned end."""
    now = timezone.now()
    return [case_out(c, now) for c in ledger_page(request.user, now, limit=limit)]


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS})
def get_case(request, case_id: RecordId):
    return case_out(_case(request, case_id))


@router.post("/cases", response={201: CaseOut, **ERRORS})
def create_case(request, body: CaseIn):
    resident = get_scoped_or_404(Resident.objects.select_related("household__area"), request.user, "view", pk=body.resident_id)
    case = services.open_case(resident=resident, kind=body.kind, reason=body.reason, source_text=body.source_text,
                              start=body.start, planned_end=body.planned_end, days=body.days, policy_notes=body.policy_notes,
                              actor=request.user, source="api")
    return Status(201, case_out(case))


@router.get("/cases/{case_id}/checkins", response={200: list[CheckInOut], **ERRORS})
def list_checkins(request, case_id: RecordId):
    case = _case(request, case_id)
    return [checkin_out(k) for k in CheckIn.objects.filter(case=case)[:LIST_LIMIT]]


@router.post("/cases/{case_id}/checkins", response={200: CheckInOut, 201: CheckInOut, **ERRORS})
def create_checkin(request, case_id: RecordId, body: CheckInIn):
    """201 when stored; 200 when this ``client_id`` was stored before (an offline replay)."""
    case = _case(request, case_id)
    checkin, created = services.record_checkin(case, temperature=body.temperature, symptoms=body.symptoms, antigen=body.antigen,
                                               note=body.note, at=body.at, client_id=body.client_id,
                                               source=CheckIn.Source.API, actor=request.user)
    return Status(201 if created else 200, checkin_out(checkin))


@router.post("/cases/{case_id}/release", response={200: CaseOut, **ERRORS})
def release_case(request, case_id: RecordId, body: ReleaseIn):
    case = services.release(_case(request, case_id), reason=body.reason, actor=request.user, source="api")
    return case_out(case)


@router.post("/cases/{case_id}/transfer", response={201: TransferOut, **ERRORS})
def transfer_case(request, case_id: RecordId, body: TransferIn):
    case = _case(request, case_id)
    site = get_object_or_404(IsolationSite.objects.restrict(request.user).select_related("area"), pk=body.site_id)
    escort = get_object_or_404(get_user_model(), pk=body.escort_id, is_active=True) if body.escort_id else None
    move = services.transfer(case, site=site, at=body.at, escort=escort, escort_note=body.escort_note, vehicle=body.vehicle,
                             override_reason=body.override_reason, actor=request.user, source="api")
    return Status(201, transfer_out(move))
