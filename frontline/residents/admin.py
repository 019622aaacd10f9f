from django.contrib import admin

from frontline.core.admin import AuditedAdmin

from .models import Household, Resident, ResidentTag


class TagInline(admin.TabularInline):
    model = ResidentTag
    extra = 0


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    list_display = ("__str__", "room", "floor")
    search_fields = ("room",)
    raw_id_fields = ("area",)


@admin.register(Resident)
class ResidentAdmin(AuditedAdmin):
    list_display = ("name", "id_number_masked", "phone_masked", "sex", "birth_date", "status")
    list_filter = ("status", "sex")
    search_fields = ("name",)
    raw_id_fields = ("household",)
    exclude = ("id_number", "phone")
    readonly_fields = ("id_number_masked", "phone_masked")
    inlines = [TagInline]
