"""Staffing records in Django's admin, for a superuser's repairs: edits are audited like the
services' (``AuditedAdmin``). Staff members hold personal data and stay out of the admin."""

from django.contrib import admin

from frontline.core.admin import AuditedAdmin

from .models import Post, SendingUnit


@admin.register(SendingUnit)
class SendingUnitAdmin(AuditedAdmin):
    list_display = ("name", "level", "area")
    search_fields = ("name",)
    raw_id_fields = ("area",)


@admin.register(Post)
class PostAdmin(AuditedAdmin):
    list_display = ("name", "kind", "area", "active")
    list_filter = ("kind", "active")
    raw_id_fields = ("area", "gate")
