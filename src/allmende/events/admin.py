from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from allmende.events.models import (
    ConsultationSeries,
    Course,
    CourseUnit,
    Event,
    Host,
    LearningPath,
    LearningPathCourse,
    Registration,
    Slot,
)
from allmende.events.services import events as services


@admin.register(Host)
class HostAdmin(admin.ModelAdmin):
    list_display = ["organization", "approved_by", "created_at"]
    raw_id_fields = ["organization"]
    readonly_fields = ["approved_by"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        services.host_grant(actor=request.user, organization=obj.organization)

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        services.host_revoke(actor=request.user, organization=obj.organization)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for host in queryset.select_related("organization"):
            services.host_revoke(actor=request.user, organization=host.organization)


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "title_de",
        "event_type",
        "format",
        "starts_at",
        "status",
        "capacity",
        "places_taken",
    ]
    list_filter = ["status", "event_type", "format", "level"]
    search_fields = ["title_de", "title_en", "city"]
    date_hierarchy = "starts_at"
    readonly_fields = ["places_taken", "slug"]
    raw_id_fields = ["organization", "created_by", "course", "series"]
    inlines = [SlotInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Changes go through the services (capacity, notifications); the
        # admin is for looking things up.
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "event", "state", "created_at"]
    list_filter = ["state"]
    search_fields = ["name", "email", "event__title_de"]
    raw_id_fields = ["event", "user", "slot"]
    readonly_fields = ["nonce"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ConsultationSeries)
class ConsultationSeriesAdmin(admin.ModelAdmin):
    list_display = ["title_de", "weekday", "week_of_month", "start_time", "end_time"]
    actions = ["generate_dates"]

    @admin.action(description=_("Create the dates of the next three months"))
    def generate_dates(
        self, request: HttpRequest, queryset: QuerySet[ConsultationSeries]
    ) -> None:
        created = 0
        for series in queryset:
            created += len(
                services.consultation_series_extend(actor=request.user, series=series)
            )
        self.message_user(
            request,
            _("%(count)d dates created.") % {"count": created},
            messages.SUCCESS,
        )


class CourseUnitInline(admin.StackedInline):
    model = CourseUnit
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title_de", "level", "is_published"]
    list_filter = ["level", "is_published"]
    prepopulated_fields = {"slug": ["title_de"]}
    inlines = [CourseUnitInline]


class LearningPathCourseInline(admin.TabularInline):
    model = LearningPathCourse
    extra = 0


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = ["title_de", "level"]
    prepopulated_fields = {"slug": ["title_de"]}
    inlines = [LearningPathCourseInline]
