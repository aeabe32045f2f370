from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from allmende.core.translation import TitledInTwoLanguages, translated
from allmende.events.models.events import Level


class Course(TitledInTwoLanguages, models.Model):
    """A course: a series of events, or self-paced units, or both."""

    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    slug = models.SlugField(max_length=220, unique=True)
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    topics = models.ManyToManyField(
        "core.FocusArea", verbose_name=_("topics"), blank=True, related_name="courses"
    )
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="courses",
        verbose_name=_("organizer"),
    )
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["level", "title_de"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:course", kwargs={"slug": self.slug})


class CourseUnit(models.Model):
    """A self-paced part of a course that a person works through alone."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="units")
    position = models.PositiveSmallIntegerField(default=0)
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_de = models.TextField(_("text (German)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)

    class Meta:
        verbose_name = _("course unit")
        verbose_name_plural = _("course units")
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return translated(self, "title")


class UnitCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        CourseUnit, on_delete=models.CASCADE, related_name="completions"
    )
    completed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("completed unit")
        verbose_name_plural = _("completed units")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="unit_done_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} ✓ {self.unit}"


class LearningPath(models.Model):
    """Courses in a suggested order, for one level."""

    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    slug = models.SlugField(max_length=220, unique=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    courses = models.ManyToManyField(
        Course, through="LearningPathCourse", related_name="learning_paths"
    )

    class Meta:
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")
        ordering = ["level", "title_de"]

    def __str__(self) -> str:
        return translated(self, "title")


class LearningPathCourse(models.Model):
    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE)
    course = models.ForeignKey(Course, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["path", "course"], name="learning_path_course_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.path}: {self.course}"


class PersonalPath(models.Model):
    """The courses a person picked for themselves, in their order."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learning_path"
    )
    courses = models.ManyToManyField(
        Course, through="PersonalPathCourse", related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("personal learning path")
        verbose_name_plural = _("personal learning paths")

    def __str__(self) -> str:
        return str(self.user)


class PersonalPathCourse(models.Model):
    path = models.ForeignKey(PersonalPath, on_delete=models.CASCADE)
    course = models.ForeignKey(Course, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["path", "course"], name="personal_path_course_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.path}: {self.course}"
