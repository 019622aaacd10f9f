"""Isolation in Django's admin, for a superuser's repairs: edits are audited like the services'
(``AuditedAdmin``). A case's status, planned end and release are changed through the pages (the
services keep the case history); here they are read-only. Check-ins are the case's log, read-only."""

from django.contrib import admin

from frontline.core.admin import AuditedAdmin

from .models import CheckIn, IsolationCase, IsolationSite, Transfer


@admin.register(IsolationSite)
class IsolationSiteAdmin(AuditedAdmin):
    list_display = ("name", "area", "capacity", "active")
    list_filter = ("active",)
    search_fields = ("name",)
    raw_id_fields = ("area",)


@admin.register(IsolationCase)
class IsolationCaseAdmin(AuditedAdmin):
    list_display = ("id", "kind", "reason", "status", "start", "planned_end", "released_at")
    list_filter = ("kind", "status", "reason")
    raw_id_fields = ("resident", "site", "released_by", "release_sample", "created_by")
    readonly_fields = ("status", "planned_end", "released_at", "released_by", "release_reason", "release_override",
                       "release_sample", "area_path")


@admin.register(Transfer)
class TransferAdmin(AuditedAdmin):
    list_display = ("case", "site", "at", "vehicle", "confirmed_at")
    raw_id_fields = ("case", "site", "escort", "confirmed_by", "created_by")


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("case", "at", "temperature", "antigen", "source")
    list_filter = ("source", "antigen")
    raw_id_fields = ("case", "created_by")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
