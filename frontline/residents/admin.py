from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from frontline.core.admin import AuditedAdmin
from frontline.core.paths import refresh_copies

from . import services
from .models import Household, Resident, ResidentTag


class TagInline(admin.TabularInline):
    model = ResidentTag
    extra = 0


@admin.register(Household)
class HouseholdAdmin(AuditedAdmin):
    list_display = ("__str__", "room", "floor")
    search_fields = ("room",)
    raw_id_fields = ("area",)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Every copied area path (search keys, groups, screening's records) follows, as in services.
        refresh_copies(Household, [obj.pk])


@admin.register(Resident)
class ResidentAdmin(AuditedAdmin):
    # The age, never the birth date, beside the masked ID number (the hidden digits are the birth date).
    list_display = ("name", "id_number_masked", "phone_masked", "sex", "age_years", "status")
    list_filter = ("status", "sex")
    search_fields = ("name",)
    raw_id_fields = ("household",)
    exclude = ("id_number", "phone", "birth_date")
    readonly_fields = ("id_number_masked", "phone_masked", "age_years")
    inlines = [TagInline]

    @admin.display(description=_("age"))
    def age_years(self, obj):
        return obj.age()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The name, the household or the groups may have changed here: rebuild what services keep.
        resident = form.instance
        services.rebuild_name_keys([resident])
        services.sync_area_paths([resident.pk])
