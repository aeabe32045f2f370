"""Notifications: one row per person and event, and each person's choices."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allmende.notifications import registry
from allmende.notifications.registry import Channel


class Notification(models.Model):
    """Something one person is told, shown in the app and perhaps mailed.

    The object it is about is kept by type and id, and its name and address as
    they were when it was sent, so a notification whose object was deleted
    still reads sensibly ("no longer available"). ``channel`` is the person's
    choice for this type at the time of sending; later changes of the setting
    do not reroute what was already sent.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    type = models.CharField(_("type"), max_length=100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    url = models.CharField(_("address"), max_length=500, blank=True)
    context = models.JSONField(_("details"), default=dict, blank=True)
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.APP
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            # The inbox, newest first, read by keyset on the id.
            models.Index(fields=["recipient", "-id"], name="notification_inbox"),
            # The header's unread count and "reading the page marks it read".
            models.Index(
                fields=["recipient", "url"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["content_type", "object_id"], name="notification_object"
            ),
            # The mail jobs: notifications of an e-mail channel, per person
            # in id order (see allmende.notifications.delivery). Read rows
            # are included: mandatory types are mailed even when read.
            models.Index(
                fields=["channel", "recipient", "id"],
                condition=Q(channel__in=["immediate", "daily", "weekly"]),
                name="notification_unmailed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} → {self.recipient_id}"

    @property
    def notification_type(self) -> registry.NotificationType | None:
        return registry.get(self.type)

    @property
    def message(self) -> str:
        """The text in the active language (the type's message, filled)."""
        kind = self.notification_type
        if kind is None:
            return self.object_label or self.type
        return kind.render({"object": self.object_label, **self.context})

    @property
    def target_exists(self) -> bool:
        """Whether the object is still there (one query; use on single items)."""
        if self.content_type_id is None or self.object_id is None:
            return bool(self.url)
        model = self.content_type.model_class() if self.content_type else None
        return (
            model is not None
            and model._default_manager.filter(pk=self.object_id).exists()
        )


class NotificationSetting(models.Model):
    """A person's channel for one type, where it differs from the default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    type = models.CharField(_("type"), max_length=100)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "type"], name="notification_setting_once"
            )
        ]
        # Fan-out reads every setting of one type at once.
        indexes = [models.Index(fields=["type"], name="notification_setting_type")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.type}: {self.channel}"


class NotificationPreferences(models.Model):
    """Settings of a person that hold for every type."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preferences",
    )
    quiet_from = models.TimeField(
        _("quiet hours from"),
        null=True,
        blank=True,
        help_text=_("Immediate e-mails are held until the quiet hours end."),
    )
    quiet_until = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(quiet_from__isnull=True, quiet_until__isnull=True)
                | Q(quiet_from__isnull=False, quiet_until__isnull=False),
                name="notification_quiet_hours_both_or_none",
            )
        ]

    def __str__(self) -> str:
        return str(self.user_id)


class MailKind(models.TextChoices):
    """The e-mails notifications go out in (the e-mail channels)."""

    IMMEDIATE = "immediate", _("Immediate e-mail")
    DAILY = "daily", _("Daily summary")
    WEEKLY = "weekly", _("Weekly summary")


class MailCursor(models.Model):
    """How far one kind of e-mail has got for one person.

    ``last_id`` is the id of the last notification handed to a mail of this
    kind. Each run of the mail jobs takes the notifications after it and moves
    it on in the same transaction that writes the mail, so a run that comes
    late or twice neither skips nor repeats one.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MailKind.choices)
    last_id = models.PositiveBigIntegerField(_("last notification"), default=0)

    class Meta:
        verbose_name = _("e-mail cursor")
        verbose_name_plural = _("e-mail cursors")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"], name="notification_mail_cursor_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.last_id}"


class NotificationMail(models.Model):
    """One e-mail to one person about one or more notifications: the outbox.

    Written before anything is sent, with a key that is unique per person and
    kind (the period of a summary, the range of an immediate mail), then
    claimed by compare-and-set (``pending`` → ``sending``) by the run that
    sends it. A failed attempt goes back to ``pending`` until
    ``MAX_ATTEMPTS``, then stays ``failed`` with its error.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("waiting")
        SENDING = "sending", _("being sent")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        DROPPED = "dropped", _("not needed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_mails",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MailKind.choices)
    key = models.CharField(_("key"), max_length=50)
    notification_ids = models.JSONField(_("notifications"), default=list)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("notification e-mail")
        verbose_name_plural = _("notification e-mails")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key"], name="notification_mail_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["state", "next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="notification_mail_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.user_id}"
