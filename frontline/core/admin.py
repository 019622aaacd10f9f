from django.contrib import admin

from . import audit
from .models import AuditEntry


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits leave the same audit rows as services do (source "admin")."""

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit.record(obj, AuditEntry.Action.UPDATE if change else AuditEntry.Action.CREATE,
                     actor=request.user, before=before, source="admin")

    def delete_model(self, request, obj):
        audit.record(obj, AuditEntry.Action.DELETE, actor=request.user, source="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_name", "action", "model", "object_id", "object_repr", "source", "request_id")
    list_filter = ("action", "model", "source")
    search_fields = ("object_id", "actor_name", "request_id")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
