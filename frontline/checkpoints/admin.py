"""The gates in Django's admin, for a superuser's repairs: edits are audited like the services'
(``AuditedAdmin``). Passages are the gate's log and read-only here; visitors and venue scans hold
personal data and stay out of the admin."""

from django.contrib import admin

from frontline.core.admin import AuditedAdmin

from .models import Exemption, ExitPolicy, Gate, Pass, Passage, Venue


@admin.register(Gate)
class GateAdmin(AuditedAdmin):
    list_display = ("name", "compound", "active")
    list_filter = ("active",)
    search_fields = ("name",)
    raw_id_fields = ("compound",)


@admin.register(Venue)
class VenueAdmin(AuditedAdmin):
    list_display = ("name", "area")
    search_fields = ("name",)
    raw_id_fields = ("area",)


@admin.register(ExitPolicy)
class ExitPolicyAdmin(AuditedAdmin):
    list_display = ("area", "mode", "effective_from", "effective_until", "reason")
    raw_id_fields = ("area", "set_by")


@admin.register(Exemption)
class ExemptionAdmin(AuditedAdmin):
    list_display = ("resident", "kind", "valid_from", "valid_until", "revoked_at")
    list_filter = ("kind",)
    raw_id_fields = ("resident", "granted_by", "revoked_by")


@admin.register(Pass)
class PassAdmin(AuditedAdmin):
    list_display = ("household", "valid_from", "valid_until", "revoked_at")
    raw_id_fields = ("household", "issued_by", "revoked_by")


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    list_display = ("at", "gate", "direction", "decision", "rule")
    list_filter = ("direction", "decision")
    raw_id_fields = ("gate", "resident", "household", "visitor", "gate_pass", "staff", "retest_of", "overridden_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
