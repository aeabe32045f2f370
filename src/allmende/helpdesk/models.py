"""The helpdesk: questions (tickets) and their conversation, the categories agents
look after, canned answers, mails held for staff and the FAQ that answers
become."""

from __future__ import annotations

from pathlib import Path

import nh3
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from allmende.core import files
from allmende.core.translation import translated


class TicketState(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for the asker")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


T = TicketState

ASKER = "asker"
AGENT = "agent"
SYSTEM = "system"

# The state machine of a ticket: every allowed change and who may make it.
# "asker" is the person who asked (a reply by web or mail), "agent" whoever
# works on the ticket (see ROLE_PERMISSIONS), "system" the platform itself
# (an agent's reply puts the ticket on waiting, the auto-resolve job).
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (T.NEW, T.OPEN): frozenset({AGENT}),
    (T.NEW, T.WAITING): frozenset({AGENT, SYSTEM}),
    (T.NEW, T.RESOLVED): frozenset({AGENT}),
    (T.NEW, T.CLOSED): frozenset({AGENT}),
    (T.OPEN, T.WAITING): frozenset({AGENT, SYSTEM}),
    (T.OPEN, T.RESOLVED): frozenset({AGENT}),
    (T.OPEN, T.CLOSED): frozenset({AGENT}),
    (T.WAITING, T.OPEN): frozenset({AGENT, ASKER, SYSTEM}),
    (T.WAITING, T.RESOLVED): frozenset({AGENT, SYSTEM}),
    (T.WAITING, T.CLOSED): frozenset({AGENT}),
    (T.RESOLVED, T.OPEN): frozenset({AGENT, ASKER, SYSTEM}),
    (T.RESOLVED, T.CLOSED): frozenset({AGENT, SYSTEM}),
}

# The permission (see rules.py) that makes someone act in a role on a ticket.
ROLE_PERMISSIONS: dict[str, str] = {
    AGENT: "helpdesk.work_ticket",
    ASKER: "helpdesk.reply_as_asker",
}

# States in which the asker still waits for an answer (the agents' queue).
ACTIVE_STATES = frozenset({T.NEW, T.OPEN, T.WAITING})


def transition_allowed(source: str, target: str, role: str) -> bool:
    return role in TRANSITIONS.get((source, target), frozenset())


def targets_from(source: str, role: str) -> list[str]:
    return [
        target
        for (src, target), roles in TRANSITIONS.items()
        if src == source and role in roles
    ]


class Category(models.Model):
    """One of the programme's topics; its agents answer its tickets."""

    slug = models.SlugField(_("short name"), unique=True)
    name_de = models.CharField(_("name (German)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="helpdesk_categories",
        verbose_name=_("helpdesk agents"),
    )

    class Meta:
        verbose_name = _("helpdesk category")
        verbose_name_plural = _("helpdesk categories")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return translated(self, "name")


class Ticket(models.Model):
    """A question; shown as ``#<number>`` (its primary key)."""

    subject = models.CharField(_("subject"), max_length=200)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("category"),
    )
    state = models.CharField(
        _("status"), max_length=20, choices=TicketState.choices, default=T.NEW
    )
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpdesk_tickets",
    )
    # Lower-cased; the address replies go to and mails are accepted from.
    asker_email = models.EmailField(_("e-mail address"))
    asker_name = models.CharField(_("name"), max_length=150, blank=True)
    organization_name = models.CharField(_("organization"), max_length=200, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helpdesk_assigned",
        verbose_name=_("assigned to"),
    )
    # The per-ticket part of the reply address (``hilfe+<token>@...``).
    token = models.CharField(max_length=32, unique=True)
    # Random per ticket; the asker's web link carries an HMAC of it.
    nonce = models.CharField(max_length=32)
    language = models.CharField(max_length=8, default="de")
    # A question asked on the web without an account counts once its address
    # is confirmed; until then no agent sees it.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=[choice.value for choice in T]),
                name="helpdesk_ticket_state_known",
            ),
            models.CheckConstraint(
                condition=~Q(state=T.WAITING) | Q(waiting_since__isnull=False),
                name="helpdesk_ticket_waiting_has_date",
            ),
            models.CheckConstraint(
                condition=Q(merged_into__isnull=True) | Q(state=T.CLOSED),
                name="helpdesk_ticket_merged_is_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "category"]),
            models.Index(fields=["state", "waiting_since"]),
            models.Index(fields=["asker_email"]),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("helpdesk:ticket", kwargs={"number": self.pk})

    @property
    def number(self) -> int:
        return int(self.pk)

    @property
    def label(self) -> str:
        return f"#{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class TicketParticipant(models.Model):
    """Another address whose mails belong in the ticket (beside the asker's)."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="participants"
    )
    email = models.EmailField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "email"], name="helpdesk_participant_once"
            )
        ]

    def __str__(self) -> str:
        return self.email


class MessageKind(models.TextChoices):
    ASKER = "asker", _("From the asker")
    AGENT = "agent", _("Answer")
    NOTE = "note", _("Internal note")
    SYSTEM = "system", _("Notice")


# What of a mail's HTML is shown: text structure and links, no images (they
# would load from other hosts), no styles, no scripts.
MAIL_HTML_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4",
    "i", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip


class TicketMessage(models.Model):
    """One entry of a ticket's conversation.

    A message that came in by mail records where it came from (mailbox,
    UIDVALIDITY and UID) and its Message-ID; the database refuses a second
    message for the same mail. Mails the platform sends record the Message-ID
    they carry, so a reply can be threaded by ``In-Reply-To``.
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages"
    )
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_address = models.EmailField(blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    text = models.TextField(_("message"), blank=True)
    # Sanitised by the mail parser; shown only when there is no text.
    html = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    # The message that opened the ticket (its Message-ID is unique among them).
    opens_ticket = models.BooleanField(default=False)
    mailbox = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    uid = models.BigIntegerField(null=True, blank=True)
    eml_path = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"],
                condition=Q(mailbox__isnull=False),
                name="helpdesk_message_one_per_mail",
            ),
            models.UniqueConstraint(
                fields=["ticket", "message_id"],
                condition=~Q(message_id=""),
                name="helpdesk_message_id_once_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["message_id"],
                condition=~Q(message_id="") & Q(opens_ticket=True),
                name="helpdesk_message_id_opens_one_ticket",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=[choice.value for choice in MessageKind]),
                name="helpdesk_message_kind_known",
            ),
        ]
        indexes = [models.Index(fields=["message_id"])]

    def __str__(self) -> str:
        return f"{self.ticket.label} {self.get_kind_display()}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.NOTE

    @property
    def safe_html(self) -> SafeString:
        """The mail's HTML for display, cleaned again here although the parser
        cleaned it: only :data:`MAIL_HTML_TAGS`, links only to the web and mail."""
        clean = nh3.clean(
            self.html,
            tags=MAIL_HTML_TAGS,
            attributes={"a": {"href"}},
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )
        return mark_safe(clean)  # noqa: S308 - cleaned by nh3 just above


class HeldReason(models.TextChoices):
    UNKNOWN_SENDER = "unknown_sender", _("Sender is not part of the ticket")
    BOUNCE = "bounce", _("Undeliverable mail for no known ticket")
    SPAM = "spam", _("Marked as spam by a filter")
    TOO_LARGE = "too_large", _("Too large to be fetched")


class HeldMail(models.Model):
    """A mail that staff decide about before it becomes part of a ticket."""

    reason = models.CharField(max_length=20, choices=HeldReason.choices)
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="held_mails",
    )
    from_address = models.EmailField(blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    mailbox = models.CharField(max_length=200)
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    eml_path = models.CharField(max_length=300, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"],
                name="helpdesk_held_one_per_mail",
            )
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"


def attachment_path(instance: Attachment, filename: str) -> str:
    extension = Path(filename).suffix.lower().lstrip(".") or "bin"
    return files.stored_name("helpdesk/attachments", extension)


class Attachment(models.Model):
    """A file of a message or of a held mail; never under ``/media/``."""

    message = models.ForeignKey(
        TicketMessage,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    held = models.ForeignKey(
        HeldMail,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(
        upload_to=attachment_path, storage=files.private_storage, max_length=200
    )
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(message__isnull=True, held__isnull=False)
                | Q(message__isnull=False, held__isnull=True),
                name="helpdesk_attachment_one_owner",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("helpdesk:attachment", kwargs={"pk": self.pk})


class Acknowledgement(models.Model):
    """An automatic acknowledgement sent to an address; at most one an hour."""

    email = models.EmailField()
    # The hour it falls in; the database refuses a second one in the same hour.
    hour = models.DateTimeField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email", "hour"], name="helpdesk_one_ack_per_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.sent_at:%Y-%m-%d %H:%M}"


class CannedAnswer(models.Model):
    """A prepared answer; ``{name}``, ``{ticket}``, ``{subject}``, ``{agent}``
    and ``{site}`` are filled in when it is used."""

    title = models.CharField(_("title"), max_length=120)
    text_de = models.TextField(_("text (German)"))
    text_en = models.TextField(_("text (English)"), blank=True)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_answers",
        verbose_name=_("category"),
    )

    class Meta:
        verbose_name = _("canned answer")
        verbose_name_plural = _("canned answers")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class FaqEntry(models.Model):
    """A published question and its answer, in German and English."""

    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="faq_entries",
        verbose_name=_("category"),
    )
    question_de = models.CharField(_("question (German)"), max_length=300)
    question_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    answer_de = models.TextField(_("answer (German)"))
    answer_en = models.TextField(_("answer (English)"), blank=True)
    published = models.BooleanField(_("published"), default=True)
    source_ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="faq_entries",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")
        ordering = ["category__order", "question_de", "id"]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("helpdesk:faq_entry", kwargs={"pk": self.pk})

    @property
    def question(self) -> str:
        return translated(self, "question")

    @property
    def answer(self) -> str:
        return translated(self, "answer")
