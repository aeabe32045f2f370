from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from allmende.events import academy as selectors
from allmende.events.certificates import certificate_pdf
from allmende.events.models import Course, CourseUnit, LearningPath, UnitCompletion
from allmende.events.services import academy as services


@require_safe
def academy(request: HttpRequest) -> HttpResponse:
    paths = selectors.learning_paths()
    courses = list(
        Course.objects.filter(is_published=True)
        .prefetch_related("topics")
        .order_by("level", "title_de")
    )
    return render(
        request,
        "events/academy.html",
        {
            "paths": paths,
            "courses": courses,
            "progress": selectors.progress_for(user=request.user, courses=courses),
            "mine": {c.pk for c in selectors.personal_courses(user=request.user)},
        },
    )


def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug, is_published=True)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{_login_url()}?next={request.path}")
        action = request.POST.get("action")
        if action == "add":
            services.personal_path_add(actor=request.user, course=course)
            messages.success(request, _("The course is now on your learning path."))
        elif action == "remove":
            services.personal_path_remove(actor=request.user, course=course)
            messages.success(request, _("The course has been removed from your path."))
        return redirect(course)
    done_units = set()
    if request.user.is_authenticated:
        done_units = set(
            UnitCompletion.objects.filter(
                user=request.user, unit__course=course
            ).values_list("unit_id", flat=True)
        )
    progress = selectors.progress_for(user=request.user, courses=[course])[course.pk]
    return render(
        request,
        "events/course.html",
        {
            "course": course,
            "sessions": selectors.course_sessions(course),
            "units": course.units.all(),
            "done_units": done_units,
            "progress": progress,
            "on_path": course.pk
            in {c.pk for c in selectors.personal_courses(user=request.user)},
        },
    )


def _login_url() -> str:
    from django.urls import reverse

    return reverse("account_login")


@login_required
def my_path(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "adopt":
            path = get_object_or_404(LearningPath, pk=request.POST.get("path"))
            services.personal_path_adopt(actor=request.user, learning_path=path)
            messages.success(request, _("The courses have been added to your path."))
        elif action in ("up", "down", "remove"):
            course = get_object_or_404(Course, pk=request.POST.get("course"))
            if action == "remove":
                services.personal_path_remove(actor=request.user, course=course)
            else:
                services.personal_path_move(
                    actor=request.user, course=course, step=-1 if action == "up" else 1
                )
        return redirect("events:my_path")
    courses = selectors.personal_courses(user=request.user)
    progress = selectors.progress_for(user=request.user, courses=courses)
    return render(
        request,
        "events/my_path.html",
        {
            "entries": [(course, progress[course.pk]) for course in courses],
            "paths": selectors.learning_paths(),
        },
    )


@login_required
@require_POST
def unit_done(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(CourseUnit, pk=pk, course__is_published=True)
    services.unit_complete(
        actor=request.user, unit=unit, done=request.POST.get("done") != "0"
    )
    return redirect(unit.course)


@login_required
@require_safe
def certificate(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug, is_published=True)
    progress = selectors.progress_for(user=request.user, courses=[course])[course.pk]
    if not progress.complete:
        raise Http404
    sessions = [
        f"{timezone.localtime(e.starts_at):%d.%m.%Y} {e.title}"
        for e in selectors.course_sessions(course)
    ]
    name = getattr(request.user, "public_name", "") or request.user.get_username()
    content = certificate_pdf(
        name=name, course=course, sessions=sessions, day=timezone.localdate()
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{course.slug}.pdf"'
    return response
