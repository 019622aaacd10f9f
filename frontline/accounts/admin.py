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

    def save_formset(self, request, form, formset, change):
        """Roles added, changed or removed here go through the role services: scoped, ranked and
        in the change log like those of the roles page."""
        if formset.model is not RoleAssignment:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        user = form.instance
        for assignment in formset.deleted_objects:
            services.revoke_role(assignment, actor=request.user, source="admin")
        for assignment, _fields in formset.changed_objects:
            stored = RoleAssignment.objects.get(pk=assignment.pk)
            if stored.area_id != assignment.area_id:
                services.revoke_role(stored, actor=request.user, source="admin")
                services.grant_role(user, assignment.role, assignment.area, actor=request.user, source="admin")
            else:
                services.change_role(stored, assignment.role, actor=request.user, source="admin")
        for assignment in formset.new_objects:
            services.grant_role(user, assignment.role, assignment.area, actor=request.user, source="admin")


@admin.register(DeviceToken)
class DeviceTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest")
