from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from . import services
from .models import DeviceToken, RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ("area",)


@admin.register(User)
class FrontlineUserAdmin(UserAdmin):
    inlines = [RoleInline]
    fieldsets = (*UserAdmin.fieldsets, ("Frontline", {"fields": ("display_name", "phone")}))

    # A new password or a deactivation here revokes the user's device tokens (User.save),
    # recorded in the change log under the administrator's name.
    def changeform_view(self, request, *args, **kwargs):
        with services.acting(request.user, "admin"):
            return super().changeform_view(request, *args, **kwargs)

    def user_change_password(self, request, *args, **kwargs):
        with services.acting(request.user, "admin"):
            return super().user_change_password(request, *args, **kwargs)


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest")
