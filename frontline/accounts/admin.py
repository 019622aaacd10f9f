from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import DeviceToken, RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ("area",)


@admin.register(User)
class FrontlineUserAdmin(UserAdmin):
    inlines = [RoleInline]
    fieldsets = (*UserAdmin.fieldsets, ("Frontline", {"fields": ("display_name", "phone")}))


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest")
