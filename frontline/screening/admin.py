from django.contrib import admin

from frontline.core import audit
from frontline.core.admin import AuditedAdmin
from frontline.core.models import AuditEntry

from .models import (
    Bag,
    ControlFlag,
    Desk,
    DeskAssignment,
    Exemption,
    HomeTask,
    Lab,
    LabResult,
    Round,
    SamplingSite,
    Tube,
)


class SiteInline(admin.TabularInline):
    model = SamplingSite
    extra = 0
    raw_id_fields = ("area",)


@admin.register(Round)
class RoundAdmin(AuditedAdmin):
    list_display = ("name", "pooling", "status", "starts_at", "ends_at")
    list_filter = ("status", "pooling")
    filter_horizontal = ("areas",)
    inlines = [SiteInline]


class DeskAssignmentInline(admin.TabularInline):
    model = DeskAssignment
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Desk)
class DeskAdmin(AuditedAdmin):
    list_display = ("__str__", "active")
    inlines = [DeskAssignmentInline]


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    filter_horizontal = ("members",)

    def save_related(self, request, form, formsets, change):
        # Lab membership grants access to the lab's tubes: every change of it is in the change log.
        lab = form.instance
        before = sorted(lab.members.values_list("username", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(lab.members.values_list("username", flat=True))
        if before != after or not change:
            audit.record(lab, AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE, actor=request.user,
                         source="admin", area_path="", changes={"members": [before, after]})


@admin.register(Tube)
class TubeAdmin(admin.ModelAdmin):
    list_display = ("barcode", "round", "status", "used", "capacity", "result", "result_conflict")
    list_filter = ("status", "result", "result_conflict")
    search_fields = ("barcode",)
    readonly_fields = [f.name for f in Tube._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Bag)
class BagAdmin(admin.ModelAdmin):
    list_display = ("barcode", "round", "status", "tube_count", "lab")
    search_fields = ("barcode",)


@admin.register(LabResult)
class LabResultAdmin(admin.ModelAdmin):
    list_display = ("tube", "result", "tested_at", "accepted", "conflict", "source")
    list_filter = ("accepted", "conflict", "source")

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Exemption)
admin.site.register(HomeTask)
admin.site.register(ControlFlag)
