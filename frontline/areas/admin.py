from django.contrib import admin

from frontline.core.admin import AuditedAdmin

from .models import Area


@admin.register(Area)
class AreaAdmin(AuditedAdmin):
    list_display = ("name", "kind", "code", "path")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    readonly_fields = ("path", "depth", "parent", "kind")

    def has_add_permission(self, request):
        # New areas get their materialized path from services.create_area (the pages and import).
        return False
