"""Every change in the helpdesk: questions asked on the web or by mail, answers
and notes, the ticket's state, merges, held mails and FAQ entries.

Mails the helpdesk sends leave from the ticket's reply address
(``ALLMENDE_HELPDESK_ADDRESS`` with ``+<token>`` added to its local part) and
carry ``[#<number>]`` in the subject and a Message-ID that is recorded, so a
reply finds its ticket (see :func:`ticket_message_from_mail`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from email.utils import formataddr, make_msgid, parseaddr
from functools import partial
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from allmende.accounts.models import User
from allmende.core import files
from allmende.core.search import index_changed, index_object, unindex_object
from allmende.core.services import audit_log_record
from allmende.core.site import site_url
from allmende.helpdesk import notifications as kinds
from allmende.helpdesk.inbound import (
    AttachmentData,
    ParsedMailLike,
    clean_subject,
    message_ids,
    normalise_address,
    normalise_message_id,
    subject_ticket_number,
)
from allmende.helpdesk.mail.parse import AUTO_SENDER
from allmende.helpdesk.models import (
    AGENT,
    ASKER,
    SYSTEM,
    Acknowledgement,
    Attachment,
    CannedAnswer,
    Category,
    FaqEntry,
    HeldMail,
    HeldReason,
    MessageKind,
    Ticket,
    TicketMessage,
    TicketParticipant,
    transition_allowed,
)
from allmende.helpdesk.models import TicketState as T
from allmende.notifications.services import notify, staff_users

Actor = User | AnonymousUser
LINK_PURPOSE = "allmende.helpdesk.ticket-link"
# Files people attach on the web: the types the platform recognises by content.
WEB_FILE_TYPES = ("pdf", "png", "jpg", "webp", "gif", "csv", "xlsx")
MAX_WEB_FILES = 5
ACK_INTERVAL = timedelta(hours=1)


def _require(actor: Actor, permission: str, obj: Any = None) -> None:
    if not actor.has_perm(permission, obj):
        raise PermissionDenied(_("You are not allowed to do this."))


# Addresses and links -----------------------------------------------------------


def helpdesk_address() -> str:
    """The helpdesk's own address (``ALLMENDE_HELPDESK_ADDRESS``)."""
    configured = str(settings.ALLMENDE_HELPDESK_ADDRESS).strip()
    return configured or parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1]


def reply_address(ticket: Ticket) -> str:
    """``hilfe+<token>@example.org`` for ``hilfe@example.org``."""
    local, _at, domain = helpdesk_address().rpartition("@")
    return f"{local}+{ticket.token}@{domain}"


def is_own_address(address: str) -> bool:
    """Whether ``address`` is the helpdesk's own (with or without a token)."""
    local, _at, domain = helpdesk_address().lower().rpartition("@")
    got_local, _at, got_domain = normalise_address(address).rpartition("@")
    return got_domain == domain and got_local.split("+", 1)[0] == local


def _mail_domain() -> str:
    return helpdesk_address().rpartition("@")[2] or "localhost"


def ticket_link_token(ticket: Ticket) -> str:
    digest = salted_hmac(LINK_PURPOSE, ticket.nonce, algorithm="sha256")
    return f"{ticket.pk}-{digest.hexdigest()[:40]}"


def ticket_for_link_token(token: str) -> Ticket | None:
    pk, _sep, digest = token.partition("-")
    if not pk.isdigit() or not digest or len(pk) > 18:
        return None
    ticket = Ticket.objects.filter(pk=pk).first()
    if ticket is None or not constant_time_compare(ticket_link_token(ticket), token):
        return None
    return ticket


def asker_url(ticket: Ticket) -> str:
    """The address of the conversation for the asker: the ticket page for an
    account, the link with its token otherwise."""
    if ticket.asker_id is not None:
        return site_url() + ticket.get_absolute_url()
    return site_url() + reverse(
        "helpdesk:by_link", kwargs={"token": ticket_link_token(ticket)}
    )


def _language() -> str:
    known = {code for code, _name in settings.LANGUAGES}
    language = (translation.get_language() or "")[:2]
    return language if language in known else str(settings.LANGUAGE_CODE)


def _new_token() -> str:
    return secrets.token_hex(8)


# Mail --------------------------------------------------------------------------


def _references(ticket: Ticket) -> list[str]:
    return list(
        TicketMessage.objects.filter(ticket=ticket)
        .exclude(message_id="")
        .order_by("created_at", "id")
        .values_list("message_id", flat=True)
    )


def _bracketed(message_id: str) -> str:
    return f"<{message_id}>"


def _send(
    ticket: Ticket,
    *,
    template: str,
    subject: str,
    context: dict[str, Any],
    auto_submitted: str,
    to: Sequence[str] | None = None,
    attachments: Sequence[Attachment] = (),
) -> str:
    """Queue one mail about ``ticket``; returns the Message-ID it carries, in
    the stored form (without angle brackets, as the parser gives a reply's
    In-Reply-To and References).

    ``auto_submitted`` is ``"no"`` for an agent's answer (a person wrote it)
    and ``"auto-replied"`` or ``"auto-generated"`` for what the platform sends
    by itself (RFC 3834), which then also asks for no automatic answer.
    """
    message_id = normalise_message_id(
        make_msgid(idstring="helpdesk", domain=_mail_domain())
    )
    references = _references(ticket)
    headers = {
        "Message-ID": _bracketed(message_id),
        "Auto-Submitted": auto_submitted,
    }
    if auto_submitted != "no":
        headers["X-Auto-Response-Suppress"] = "All"
    if references:
        headers["In-Reply-To"] = _bracketed(references[-1])
        headers["References"] = " ".join(_bracketed(r) for r in references[-20:])
    with translation.override(ticket.language):
        body = render_to_string(
            f"helpdesk/email/{template}.txt",
            {
                "site_name": settings.SITE_NAME,
                "ticket": ticket,
                "url": asker_url(ticket),
                **context,
            },
        )
        text = f"[{ticket.label}] " + translation.gettext(subject) % {
            "subject": ticket.subject
        }
        sender = formataddr(
            (
                translation.gettext("%(site)s helpdesk") % {"site": settings.SITE_NAME},
                reply_address(ticket),
            )
        )
    recipients = list(to) if to is not None else _asker_addresses(ticket)
    message = EmailMessage(
        subject=text,
        body=body,
        from_email=sender,
        to=recipients,
        reply_to=[reply_address(ticket)],
        headers=headers,
    )
    for attachment in attachments:
        with attachment.file.open("rb") as stored:
            message.attach(
                attachment.original_name,
                stored.read(),
                files.content_type_of(attachment.file.name or ""),
            )
    message.send()
    return message_id


def _asker_addresses(ticket: Ticket) -> list[str]:
    addresses = [ticket.asker_email]
    for email in ticket.participants.values_list("email", flat=True):
        if email not in addresses:
            addresses.append(email)
    return addresses


def _may_acknowledge(email: str, now: datetime) -> bool:
    """Record an acknowledgement to ``email`` unless one went out in the last
    hour (the database refuses a second in the same hour, too)."""
    if Acknowledgement.objects.filter(email=email, sent_at__gt=now - ACK_INTERVAL):
        return False
    try:
        with transaction.atomic():
            Acknowledgement.objects.create(
                email=email,
                hour=now.replace(minute=0, second=0, microsecond=0),
                sent_at=now,
            )
    except IntegrityError:
        return False
    return True


def _acknowledge(ticket: Ticket, *, to: str, now: datetime) -> None:
    if is_own_address(to) or not _may_acknowledge(to, now):
        return
    message_id = _send(
        ticket,
        template="acknowledgement",
        subject=gettext_noop("We have received your question: %(subject)s"),
        context={"reply_address": reply_address(ticket)},
        auto_submitted="auto-replied",
        to=[to],
    )
    with translation.override(ticket.language):
        text = _("Acknowledgement sent to %(email)s.") % {"email": to}
    TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.SYSTEM, text=text, message_id=message_id
    )


# Attachments -------------------------------------------------------------------


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB"


def check_uploads(uploads: Sequence[File]) -> list[str]:
    """The extension of each file a person attaches on the web.

    Raises ``ValidationError`` (for the field ``attachments``) with a message
    that names the file for too many files, a file too large or of a type
    that is not accepted.
    """
    if len(uploads) > MAX_WEB_FILES:
        raise ValidationError(
            {
                "attachments": _("Please attach at most %(count)s files.")
                % {"count": MAX_WEB_FILES}
            }
        )
    limit = int(settings.ALLMENDE_HELPDESK_MAX_ATTACHMENT_BYTES)
    extensions = []
    for upload in uploads:
        name = upload.name or "file"
        if upload.size is None or upload.size > limit:
            raise ValidationError(
                {
                    "attachments": _(
                        "“%(name)s” is too large: at most %(limit)s per file."
                    )
                    % {"name": name, "limit": _size(limit)}
                }
            )
        extension = files.document_extension(upload)
        if extension not in WEB_FILE_TYPES:
            raise ValidationError(
                {
                    "attachments": _(
                        "“%(name)s” is not a file type we accept. Allowed: %(types)s."
                    )
                    % {
                        "name": name,
                        "types": ", ".join(t.upper() for t in WEB_FILE_TYPES),
                    }
                }
            )
        extensions.append(extension)
    return extensions


def _store_uploads(message: TicketMessage, uploads: Sequence[File]) -> None:
    for upload, extension in zip(uploads, check_uploads(uploads), strict=True):
        stored = Attachment(
            message=message,
            original_name=(upload.name or "file")[:200],
            content_type=files.content_type_of(f"x.{extension}"),
            size=upload.size or 0,
        )
        stored.file.save(f"upload.{extension}", upload, save=False)
        stored.save()


def _store_mail_attachments(
    items: Iterable[AttachmentData],
    *,
    message: TicketMessage | None = None,
    held: HeldMail | None = None,
) -> None:
    """Keep the files of a mail whatever their type; they are only ever served
    as downloads with the type the platform finds in their content."""
    for name, content_type, content in items:
        upload = ContentFile(content, name=name or "attachment")
        extension = files.document_extension(upload) or "bin"
        stored = Attachment(
            message=message,
            held=held,
            original_name=(name or "attachment")[:200],
            content_type=(content_type or "application/octet-stream")[:100],
            size=len(content),
        )
        stored.file.save(f"mail.{extension}", upload, save=False)
        stored.save()


def _delete_files(names: list[str]) -> None:
    storage = files.private_storage()
    for name in names:
        storage.delete(name)


# Asking ------------------------------------------------------------------------


def _agents_of(ticket: Ticket) -> Any:
    if ticket.category_id is None:
        return staff_users()
    return User.objects.filter(helpdesk_categories=ticket.category_id)


def _notify_new(ticket: Ticket) -> None:
    notify(
        kinds.NEW_TICKET,
        _agents_of(ticket),
        obj=ticket,
        context={
            "ticket": ticket.label,
            "category": ticket.category.name if ticket.category else _("no category"),
        },
    )


def ticket_ask(
    *,
    actor: Actor,
    subject: str,
    text: str,
    category: Category | None,
    organization_name: str = "",
    name: str = "",
    email: str = "",
    attachments: Sequence[File] = (),
    now: datetime | None = None,
) -> Ticket:
    """Someone asks on the web.

    A logged-in person's question counts at once. Without an account the
    person gives an address; the question counts once they confirm it by the
    button behind the link mailed to them.
    """
    now = now or timezone.now()
    person = actor if isinstance(actor, User) else None
    authenticated = person is not None
    if person is not None:
        email = person.email
        name = name.strip() or str(person)
    if not email:
        raise ValidationError({"email": _("Please enter your e-mail address.")})
    ticket = Ticket(
        subject=" ".join(subject.split())[:200],
        category=category,
        asker=person,
        asker_email=normalise_address(email),
        asker_name=name.strip()[:150],
        organization_name=organization_name.strip()[:200],
        token=_new_token(),
        nonce=secrets.token_hex(16),
        language=_language(),
        confirmed_at=now if authenticated else None,
    )
    ticket.full_clean()
    message = TicketMessage(
        kind=MessageKind.ASKER,
        author=person,
        from_address=ticket.asker_email,
        from_name=ticket.asker_name,
        text=text.strip(),
    )
    if not message.text:
        raise ValidationError({"text": _("Please describe your question.")})
    check_uploads(attachments)
    with transaction.atomic():
        ticket.save()
        message.ticket = ticket
        message.save()
        _store_uploads(message, attachments)
        audit_log_record(
            actor=actor,
            action="helpdesk.ticket_asked",
            obj=ticket,
            data={"confirmed": authenticated},
        )
        if authenticated:
            _notify_new(ticket)
        else:
            _send(
                ticket,
                template="confirm",
                subject=gettext_noop("Please confirm your question: %(subject)s"),
                context={},
                auto_submitted="auto-generated",
            )
    return ticket


@transaction.atomic
def ticket_confirm(*, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The asker confirms the address of a question asked without an account;
    doing so again changes nothing."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.confirmed_at is not None:
        return ticket
    now = now or timezone.now()
    ticket.confirmed_at = now
    ticket.save(update_fields=["confirmed_at", "updated_at"])
    audit_log_record(actor=None, action="helpdesk.ticket_confirmed", obj=ticket)
    _acknowledge(ticket, to=ticket.asker_email, now=now)
    _notify_new(ticket)
    return ticket


# Working on a ticket -----------------------------------------------------------


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _move(ticket: Ticket, target: str, *, role: str, now: datetime) -> bool:
    """Change the state if the table allows it for ``role``; ``False`` if not."""
    if ticket.state == target:
        return False
    if not transition_allowed(ticket.state, target, role):
        return False
    ticket.state = target
    ticket.waiting_since = now if target == T.WAITING else None
    if target == T.RESOLVED:
        ticket.resolved_at = now
    elif target in (T.OPEN, T.WAITING, T.NEW):
        ticket.resolved_at = None
    return True


def ticket_transition(
    *, ticket: Ticket, actor: User, target: str, now: datetime | None = None
) -> Ticket:
    """An agent moves the ticket to ``target`` as the transition table allows."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _locked(ticket)
        _require(actor, "helpdesk.work_ticket", ticket)
        source = ticket.state
        if not _move(ticket, target, role=AGENT, now=now):
            raise ValidationError(
                _("A ticket cannot go from “%(source)s” to “%(target)s”.")
                % {
                    "source": T(source).label,
                    "target": T(target).label if target in T.values else target,
                }
            )
        ticket.full_clean()
        ticket.save()
        audit_log_record(
            actor=actor,
            action="helpdesk.ticket_state",
            obj=ticket,
            data={"from": source, "to": target},
        )
        if target == T.RESOLVED:
            _notify_resolved(ticket, actor=actor)
    return ticket


def _notify_resolved(ticket: Ticket, *, actor: User | None) -> None:
    if ticket.asker_id is not None:
        notify(
            kinds.TICKET_RESOLVED,
            [ticket.asker_id],
            obj=ticket,
            actor=actor,
            context={"ticket": ticket.label},
        )


def ticket_reply(
    *,
    ticket: Ticket,
    actor: User,
    text: str,
    attachments: Sequence[File] = (),
    now: datetime | None = None,
) -> TicketMessage:
    """An agent answers: the answer goes to the asker by mail and the ticket
    waits for the asker."""
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Please write an answer.")})
    with transaction.atomic():
        ticket = _locked(ticket)
        _require(actor, "helpdesk.work_ticket", ticket)
        if ticket.state == T.CLOSED:
            raise ValidationError(_("This ticket is closed."))
        message = TicketMessage(
            ticket=ticket, kind=MessageKind.AGENT, author=actor, text=text
        )
        message.full_clean(exclude=["message_id"])
        message.save()
        _store_uploads(message, attachments)
        if ticket.state in (T.RESOLVED,):
            _move(ticket, T.OPEN, role=SYSTEM, now=now)
        _move(ticket, T.WAITING, role=SYSTEM, now=now)
        if ticket.assignee_id is None:
            ticket.assignee = actor
        ticket.save()
        message.message_id = _send(
            ticket,
            template="reply",
            subject=gettext_noop("%(subject)s"),
            context={"text": text, "agent": str(actor)},
            auto_submitted="no",
            attachments=list(message.attachments.all()),
        )
        message.save(update_fields=["message_id"])
        audit_log_record(actor=actor, action="helpdesk.ticket_answered", obj=ticket)
        if ticket.asker_id is not None:
            notify(
                kinds.REPLY_ARRIVED,
                [ticket.asker_id],
                obj=ticket,
                actor=actor,
                context={"ticket": ticket.label},
            )
    return message


def ticket_note_add(*, ticket: Ticket, actor: User, text: str) -> TicketMessage:
    """An agent adds an internal note, which the asker never sees."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Please write a note.")})
    with transaction.atomic():
        ticket = _locked(ticket)
        _require(actor, "helpdesk.work_ticket", ticket)
        message = TicketMessage.objects.create(
            ticket=ticket, kind=MessageKind.NOTE, author=actor, text=text
        )
        ticket.save(update_fields=["updated_at"])
        audit_log_record(actor=actor, action="helpdesk.note_added", obj=ticket)
    return message


def _asker_wrote(ticket: Ticket, *, now: datetime) -> None:
    """A message of the asker arrived: a waiting or resolved ticket opens."""
    _move(ticket, T.OPEN, role=ASKER, now=now)
    ticket.save()
    recipients: Any = (
        [ticket.assignee_id] if ticket.assignee_id is not None else _agents_of(ticket)
    )
    notify(
        kinds.ASKER_REPLIED, recipients, obj=ticket, context={"ticket": ticket.label}
    )


def ticket_asker_reply(
    *,
    ticket: Ticket,
    actor: Actor,
    text: str,
    attachments: Sequence[File] = (),
    by_link: bool = False,
    now: datetime | None = None,
) -> TicketMessage:
    """The asker writes again on the web (logged in, or through the link of a
    question asked without an account: ``by_link``)."""
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Please write your message.")})
    with transaction.atomic():
        ticket = _locked(ticket)
        if not by_link:
            _require(actor, "helpdesk.reply_as_asker", ticket)
        if ticket.state == T.CLOSED:
            raise ValidationError(
                _("This question is closed. Please ask a new question.")
            )
        message = TicketMessage.objects.create(
            ticket=ticket,
            kind=MessageKind.ASKER,
            author=actor if isinstance(actor, User) else None,
            from_address=ticket.asker_email,
            from_name=ticket.asker_name,
            text=text,
        )
        _store_uploads(message, attachments)
        _asker_wrote(ticket, now=now)
        audit_log_record(actor=actor, action="helpdesk.asker_replied", obj=ticket)
    return message


def ticket_assign(*, ticket: Ticket, actor: User, assignee: User | None) -> Ticket:
    """Give the ticket to an agent of its category (or staff), or to nobody."""
    with transaction.atomic():
        ticket = _locked(ticket)
        _require(actor, "helpdesk.work_ticket", ticket)
        if assignee is not None and not assignee.has_perm(
            "helpdesk.work_ticket", ticket
        ):
            raise ValidationError(
                {"assignee": _("This person does not work on this category.")}
            )
        ticket.assignee = assignee
        if ticket.state == T.NEW and assignee is not None:
            _move(ticket, T.OPEN, role=AGENT, now=timezone.now())
        ticket.save()
        audit_log_record(
            actor=actor,
            action="helpdesk.ticket_assigned",
            obj=ticket,
            data={"assignee": assignee.pk if assignee else None},
        )
    return ticket


def ticket_categorise(
    *, ticket: Ticket, actor: User, category: Category | None
) -> Ticket:
    """Move the ticket to another category; the agents of the new one are told."""
    with transaction.atomic():
        ticket = _locked(ticket)
        _require(actor, "helpdesk.work_ticket", ticket)
        source = ticket.category_id
        ticket.category = category
        if ticket.assignee is not None and not ticket.assignee.has_perm(
            "helpdesk.work_ticket", ticket
        ):
            ticket.assignee = None
        ticket.save()
        audit_log_record(
            actor=actor,
            action="helpdesk.ticket_categorised",
            obj=ticket,
            data={"from": source, "to": category.pk if category else None},
        )
        if category is not None and category.pk != source:
            _notify_new(ticket)
    return ticket


def ticket_merge(*, source: Ticket, target: Ticket, actor: User) -> Ticket:
    """Move the conversation of ``source`` into ``target`` and close ``source``;
    mails that answer ``source`` then land in ``target``."""
    if source.pk == target.pk:
        raise ValidationError({"target": _("A ticket cannot be merged into itself.")})
    with transaction.atomic():
        first, second = sorted([source.pk, target.pk])
        locked = Ticket.objects.select_for_update().in_bulk([first, second])
        source, target = locked[source.pk], locked[target.pk]
        _require(actor, "helpdesk.work_ticket", source)
        _require(actor, "helpdesk.work_ticket", target)
        if source.merged_into_id is not None or target.merged_into_id is not None:
            raise ValidationError(
                {"target": _("A merged ticket cannot be merged again.")}
            )
        taken = set(
            TicketMessage.objects.filter(ticket=target)
            .exclude(message_id="")
            .values_list("message_id", flat=True)
        )
        TicketMessage.objects.filter(ticket=source).exclude(
            message_id__in=taken
        ).update(ticket=target)
        addresses = {source.asker_email, *_asker_addresses(source)} - {
            target.asker_email
        }
        for email in addresses:
            TicketParticipant.objects.get_or_create(ticket=target, email=email)
        with translation.override(target.language):
            TicketMessage.objects.create(
                ticket=target,
                kind=MessageKind.SYSTEM,
                text=_("Ticket %(source)s was merged into this one.")
                % {"source": source.label},
            )
        source.state = T.CLOSED
        source.waiting_since = None
        source.merged_into = target
        source.full_clean()
        source.save()
        target.save(update_fields=["updated_at"])
        audit_log_record(
            actor=actor,
            action="helpdesk.ticket_merged",
            obj=target,
            data={"source": source.pk},
        )
    return target


def tickets_auto_resolve(*, now: datetime | None = None) -> int:
    """Resolve the tickets that waited for the asker longer than
    ``ALLMENDE_HELPDESK_AUTO_RESOLVE_DAYS``, each with a notice; safe to run
    twice. Returns how many were resolved."""
    now = now or timezone.now()
    days = int(settings.ALLMENDE_HELPDESK_AUTO_RESOLVE_DAYS)
    if days <= 0:
        return 0
    cutoff = now - timedelta(days=days)
    due = list(
        Ticket.objects.filter(state=T.WAITING, waiting_since__lte=cutoff).values_list(
            "pk", flat=True
        )[:500]
    )
    resolved = 0
    for pk in due:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            if ticket.state != T.WAITING or ticket.waiting_since is None:
                continue
            if ticket.waiting_since > cutoff:
                continue
            _move(ticket, T.RESOLVED, role=SYSTEM, now=now)
            ticket.save()
            with translation.override(ticket.language):
                text = _(
                    "Resolved automatically after %(days)s days without an answer."
                ) % {"days": days}
            message = TicketMessage.objects.create(
                ticket=ticket, kind=MessageKind.SYSTEM, text=text
            )
            message.message_id = _send(
                ticket,
                template="auto_resolved",
                subject=gettext_noop("Resolved: %(subject)s"),
                context={"days": days},
                auto_submitted="auto-generated",
            )
            message.save(update_fields=["message_id"])
            audit_log_record(
                actor=None,
                action="helpdesk.ticket_auto_resolved",
                obj=ticket,
                data={"days": days},
            )
            _notify_resolved(ticket, actor=None)
            resolved += 1
    return resolved


# Mail intake -------------------------------------------------------------------


def _taken(mailbox: str, uidvalidity: int, uid: int) -> TicketMessage | HeldMail | None:
    where = {"mailbox": mailbox, "uidvalidity": uidvalidity, "uid": uid}
    return (
        TicketMessage.objects.filter(**where).first()
        or HeldMail.objects.filter(**where).first()
    )


def _follow(ticket: Ticket) -> Ticket:
    seen = {ticket.pk}
    while ticket.merged_into_id is not None and ticket.merged_into_id not in seen:
        seen.add(ticket.merged_into_id)
        ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def thread_of(parsed: ParsedMailLike) -> Ticket | None:
    """The ticket a mail answers: by the token of the reply address, then by
    the Message-IDs it refers to, then by the ``[#1234]`` tag of its subject
    (whatever reply prefixes stand before it)."""
    token = (parsed.reply_token or "").strip()
    if token:
        ticket = Ticket.objects.filter(token=token).first()
        if ticket is not None:
            return _follow(ticket)
    ids = message_ids(parsed)
    if ids:
        known = (
            TicketMessage.objects.filter(message_id__in=ids)
            .select_related("ticket")
            .order_by("-created_at", "-id")
            .first()
        )
        if known is not None:
            return _follow(known.ticket)
    number = subject_ticket_number(parsed.subject)
    if number is not None:
        ticket = Ticket.objects.filter(pk=number).first()
        if ticket is not None:
            return _follow(ticket)
    return None


def _bounce_ticket(parsed: ParsedMailLike) -> Ticket | None:
    ids = [
        normalise_message_id(i)
        for i in parsed.bounce_original_message_ids
        if normalise_message_id(i)
    ]
    if ids:
        sent = (
            TicketMessage.objects.filter(message_id__in=ids)
            .select_related("ticket")
            .first()
        )
        if sent is not None:
            return _follow(sent.ticket)
    return thread_of(parsed)


def _senders_of(ticket: Ticket) -> set[str]:
    senders = {ticket.asker_email, *ticket.participants.values_list("email", flat=True)}
    if ticket.asker_id is not None:
        senders |= {
            normalise_address(e)
            for e in EmailAddress.objects.filter(
                user_id=ticket.asker_id, verified=True
            ).values_list("email", flat=True)
        }
    return senders


def _account_for(address: str) -> User | None:
    found = (
        EmailAddress.objects.filter(email__iexact=address, verified=True)
        .select_related("user")
        .first()
    )
    return found.user if found is not None else None


def _hold(
    parsed: ParsedMailLike,
    *,
    reason: str,
    ticket: Ticket | None,
    where: dict[str, Any],
) -> HeldMail:
    held = HeldMail(
        reason=reason,
        ticket=ticket,
        from_address=normalise_address(parsed.from_address)[:254],
        from_name=(parsed.from_name or "")[:200],
        subject=(parsed.subject or "")[:300],
        text=parsed.text or "",
        html=parsed.html or "",
        message_id=normalise_message_id(parsed.message_id or "")[:255],
        **where,
    )
    held.save()
    _store_mail_attachments(parsed.attachments, held=held)
    audit_log_record(
        actor=None,
        action="helpdesk.mail_held",
        obj=held.ticket,
        data={"held": held.pk, "reason": reason},
    )
    return held


def _mail_message(
    ticket: Ticket,
    parsed: ParsedMailLike,
    *,
    kind: str,
    text: str,
    opens: bool,
    where: dict[str, Any],
) -> TicketMessage:
    message = TicketMessage(
        ticket=ticket,
        kind=kind,
        from_address=normalise_address(parsed.from_address)[:254],
        from_name=(parsed.from_name or "")[:200],
        text=text,
        html=parsed.html or "",
        message_id=normalise_message_id(parsed.message_id or "")[:255],
        opens_ticket=opens,
        **where,
    )
    message.save()
    _store_mail_attachments(parsed.attachments, message=message)
    return message


def _take_mail(
    parsed: ParsedMailLike, *, where: dict[str, Any], now: datetime
) -> TicketMessage | HeldMail:
    sender = normalise_address(parsed.from_address)
    message_id = normalise_message_id(parsed.message_id or "")[:255]
    if parsed.is_spam:
        # Never acknowledged, never added silently: staff decide.
        return _hold(
            parsed, reason=HeldReason.SPAM, ticket=thread_of(parsed), where=where
        )
    if parsed.is_bounce:
        ticket = _bounce_ticket(parsed)
        if ticket is None:
            return _hold(parsed, reason=HeldReason.BOUNCE, ticket=None, where=where)
        with translation.override(ticket.language):
            text = _("A mail of this ticket could not be delivered.")
        message = _mail_message(
            ticket,
            parsed,
            kind=MessageKind.SYSTEM,
            text=f"{text}\n\n{parsed.text or ''}".strip(),
            opens=False,
            where=where,
        )
        audit_log_record(actor=None, action="helpdesk.bounce_received", obj=ticket)
        return message
    ticket = thread_of(parsed)
    if ticket is not None:
        if message_id:
            known = TicketMessage.objects.filter(
                ticket=ticket, message_id=message_id
            ).first()
            if known is not None:
                # The same mail again, or one the platform sent itself.
                return known
        if sender not in _senders_of(ticket) or is_own_address(sender):
            return _hold(
                parsed, reason=HeldReason.UNKNOWN_SENDER, ticket=ticket, where=where
            )
        if ticket.state != T.CLOSED:
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            message = _mail_message(
                ticket,
                parsed,
                kind=MessageKind.ASKER,
                text=parsed.text or "",
                opens=False,
                where=where,
            )
            if ticket.confirmed_at is None and parsed.reply_token == ticket.token:
                # Only the confirmation mail carried this reply address: an
                # answer to it confirms the address as the button would.
                ticket.confirmed_at = now
                _notify_new(ticket)
            _asker_wrote(ticket, now=now)
            audit_log_record(actor=None, action="helpdesk.mail_received", obj=ticket)
            return message
        # A closed ticket stays closed: the mail starts a new one.
    if message_id:
        known = TicketMessage.objects.filter(
            message_id=message_id, opens_ticket=True
        ).first()
        if known is not None:
            return known
    if is_own_address(sender):
        return _hold(parsed, reason=HeldReason.UNKNOWN_SENDER, ticket=None, where=where)
    ticket = Ticket(
        subject=clean_subject(parsed.subject) or _("(no subject)"),
        asker=_account_for(sender),
        asker_email=sender,
        asker_name=(parsed.from_name or "")[:150],
        token=_new_token(),
        nonce=secrets.token_hex(16),
        language=str(settings.LANGUAGE_CODE),
        confirmed_at=now,
    )
    ticket.full_clean()
    ticket.save()
    message = _mail_message(
        ticket,
        parsed,
        kind=MessageKind.ASKER,
        text=parsed.text or "",
        opens=True,
        where=where,
    )
    audit_log_record(actor=None, action="helpdesk.ticket_mailed", obj=ticket)
    if not parsed.is_auto:
        _acknowledge(ticket, to=sender, now=now)
    _notify_new(ticket)
    return message


def ticket_message_from_mail(
    *,
    parsed: ParsedMailLike,
    mailbox: str,
    uidvalidity: int,
    uid: int,
    eml_path: str,
    now: datetime | None = None,
) -> TicketMessage | HeldMail:
    """Turn one received mail into exactly one ticket message (or a mail held
    for staff) and return it.

    The mail is known by ``mailbox``, ``uidvalidity`` and ``uid`` and by its
    Message-ID; calling this again for the same mail, at the same time in
    another worker too, returns what the first call made, because the
    database refuses a second row. Threading, the sender check, bounces and
    the acknowledgement: see :func:`thread_of` and the module's documentation.
    """
    now = now or timezone.now()
    where = {
        "mailbox": mailbox[:200],
        "uidvalidity": uidvalidity,
        "uid": uid,
        "eml_path": eml_path[:300],
    }
    earlier = _taken(mailbox, uidvalidity, uid)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return _take_mail(parsed, where=where, now=now)
    except IntegrityError:
        earlier = _taken(mailbox, uidvalidity, uid)
        message_id = normalise_message_id(parsed.message_id or "")[:255]
        if earlier is None and message_id:
            earlier = TicketMessage.objects.filter(message_id=message_id).first()
        if earlier is None:
            raise
        return earlier


def _answerable(address: str, headers: ParsedMailLike | None) -> bool:
    """Whether an automatic notice may go to ``address`` (RFC 3834 loop guard:
    no automatic mail, no mailer-daemon-like or own address)."""
    if not address or "@" not in address or is_own_address(address):
        return False
    local = address.partition("@")[0]
    if AUTO_SENDER.match(local):
        return False
    return headers is None or not (headers.is_auto or headers.is_bounce)


def _send_too_large_notice(
    *, to: str, subject: str, size: int, limit: int, in_reply_to: str
) -> None:
    headers = {
        "Message-ID": make_msgid(idstring="helpdesk", domain=_mail_domain()),
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "All",
    }
    if in_reply_to:
        headers["In-Reply-To"] = headers["References"] = _bracketed(in_reply_to)
    with translation.override(str(settings.LANGUAGE_CODE)):
        body = render_to_string(
            "helpdesk/email/too_large.txt",
            {"subject": subject, "size": _size(size), "limit": _size(limit)},
        )
        title = _("Your mail was too large: %(subject)s") % {"subject": subject}
        sender = formataddr(
            (_("%(site)s helpdesk") % {"site": settings.SITE_NAME}, helpdesk_address())
        )
    EmailMessage(
        subject=title, body=body, from_email=sender, to=[to], headers=headers
    ).send()


def mail_too_large(
    *,
    mailbox: str,
    uidvalidity: int,
    uid: int,
    size: int,
    envelope_from: str,
    headers: ParsedMailLike | None = None,
    limit: int | None = None,
    now: datetime | None = None,
) -> HeldMail:
    """A mail over the size limit, which was not downloaded: staff see it among
    the held mails and its sender gets a notice, unless the mail may not be
    answered (loop guard; at most one automatic mail per sender and hour).
    Calling this again for the same mail changes nothing."""
    now = now or timezone.now()
    limit = int(settings.ALLMENDE_HELPDESK_MAIL_MAX_BYTES) if limit is None else limit
    where = {"mailbox": mailbox[:200], "uidvalidity": uidvalidity, "uid": uid}
    earlier = HeldMail.objects.filter(**where).first()
    if earlier is not None:
        return earlier
    sender = normalise_address(
        (headers.from_address if headers is not None else "") or envelope_from
    )
    subject = (headers.subject if headers is not None else "") or ""
    message_id = normalise_message_id(headers.message_id if headers else "")
    text = _("A mail of %(size)s was not fetched: the limit is %(limit)s.") % {
        "size": _size(size),
        "limit": _size(limit),
    }
    try:
        with transaction.atomic():
            held = HeldMail.objects.create(
                reason=HeldReason.TOO_LARGE,
                ticket=thread_of(headers) if headers is not None else None,
                from_address=sender[:254],
                from_name=(headers.from_name if headers is not None else "")[:200],
                subject=subject[:300],
                text=text,
                message_id=message_id[:255],
                **where,
            )
            audit_log_record(
                actor=None,
                action="helpdesk.mail_too_large",
                obj=held.ticket,
                data={"held": held.pk, "size": size},
            )
            if _answerable(sender, headers) and _may_acknowledge(sender, now):
                transaction.on_commit(
                    partial(
                        _send_too_large_notice,
                        to=sender,
                        subject=subject or _("(no subject)"),
                        size=size,
                        limit=limit,
                        in_reply_to=message_id,
                    )
                )
    except IntegrityError:
        return HeldMail.objects.get(**where)
    return held


# Held mails --------------------------------------------------------------------


def _held_locked(held: HeldMail) -> HeldMail:
    held = HeldMail.objects.select_for_update().get(pk=held.pk)
    if held.decided_at is not None:
        raise ValidationError(_("This mail has already been dealt with."))
    return held


def held_mail_accept(*, held: HeldMail, actor: User) -> TicketMessage:
    """Add a held mail to its ticket; its sender may write to the ticket from
    then on."""
    with transaction.atomic():
        held = _held_locked(held)
        _require(actor, "helpdesk.manage")
        if held.ticket is None:
            raise ValidationError(_("This mail belongs to no ticket."))
        ticket = _locked(_follow(held.ticket))
        message = TicketMessage.objects.create(
            ticket=ticket,
            kind=MessageKind.SYSTEM
            if held.reason in (HeldReason.BOUNCE, HeldReason.TOO_LARGE)
            else MessageKind.ASKER,
            from_address=held.from_address,
            from_name=held.from_name,
            text=held.text,
            html=held.html,
            message_id=held.message_id
            if not TicketMessage.objects.filter(
                ticket=ticket, message_id=held.message_id
            ).exists()
            else "",
            eml_path=held.eml_path,
        )
        held.attachments.update(held=None, message=message)
        if held.from_address and held.reason == HeldReason.UNKNOWN_SENDER:
            TicketParticipant.objects.get_or_create(
                ticket=ticket, email=held.from_address
            )
            _asker_wrote(ticket, now=timezone.now())
        elif held.reason == HeldReason.SPAM:
            _asker_wrote(ticket, now=timezone.now())
        held.decided_at = timezone.now()
        held.save(update_fields=["decided_at"])
        audit_log_record(
            actor=actor,
            action="helpdesk.held_accepted",
            obj=ticket,
            data={"held": held.pk},
        )
    return message


def held_mail_new_ticket(*, held: HeldMail, actor: User) -> Ticket:
    """Make a held mail a question of its own, its sender the asker."""
    with transaction.atomic():
        held = _held_locked(held)
        _require(actor, "helpdesk.manage")
        if not held.from_address:
            raise ValidationError(_("This mail has no sender to answer."))
        ticket = Ticket(
            subject=clean_subject(held.subject) or _("(no subject)"),
            asker=_account_for(held.from_address),
            asker_email=held.from_address,
            asker_name=held.from_name[:150],
            token=_new_token(),
            nonce=secrets.token_hex(16),
            language=str(settings.LANGUAGE_CODE),
            confirmed_at=timezone.now(),
        )
        ticket.full_clean()
        ticket.save()
        message = TicketMessage.objects.create(
            ticket=ticket,
            kind=MessageKind.ASKER,
            from_address=held.from_address,
            from_name=held.from_name,
            text=held.text,
            html=held.html,
            eml_path=held.eml_path,
        )
        held.attachments.update(held=None, message=message)
        held.decided_at = timezone.now()
        held.save(update_fields=["decided_at"])
        audit_log_record(
            actor=actor,
            action="helpdesk.held_new_ticket",
            obj=ticket,
            data={"held": held.pk},
        )
        _notify_new(ticket)
    return ticket


def held_mail_discard(*, held: HeldMail, actor: User) -> None:
    with transaction.atomic():
        held = _held_locked(held)
        _require(actor, "helpdesk.manage")
        names = [a.file.name for a in held.attachments.all() if a.file.name]
        held.attachments.all().delete()
        held.decided_at = timezone.now()
        held.save(update_fields=["decided_at"])
        audit_log_record(
            actor=actor,
            action="helpdesk.held_discarded",
            obj=held.ticket,
            data={"held": held.pk},
        )
        if names:
            transaction.on_commit(partial(_delete_files, names), robust=True)


# Canned answers ----------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def canned_answer_text(
    *, answer: CannedAnswer, ticket: Ticket, agent: User, language: str
) -> str:
    """The answer in ``language`` (falling back to the other one) with its
    placeholders filled in; an unknown placeholder stays as it is."""
    text = (
        answer.text_en if language == "en" and answer.text_en else answer.text_de
    ) or answer.text_en
    values = {
        "name": ticket.asker_name or ticket.asker_email,
        "ticket": ticket.label,
        "subject": ticket.subject,
        "agent": str(agent),
        "site": str(settings.SITE_NAME),
        "email": ticket.asker_email,
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


# FAQ ---------------------------------------------------------------------------


def faq_index(entry: FaqEntry) -> None:
    """Store the entry's text for the site-wide search (or drop it, when it is
    not published)."""
    if not entry.published:
        unindex_object(entry)
        return
    index_object(
        entry,
        title=f"{entry.question_de} {entry.question_en}".strip(),
        body=f"{entry.answer_de} {entry.answer_en} {entry.category.name_de} "
        f"{entry.category.name_en}",
    )


def faq_entry_save(
    *,
    actor: User,
    category: Category,
    question_de: str,
    question_en: str,
    answer_de: str,
    answer_en: str,
    published: bool = True,
    entry: FaqEntry | None = None,
    source_ticket: Ticket | None = None,
) -> FaqEntry:
    """Create (or, given ``entry``, change) an FAQ entry."""
    _require(actor, "helpdesk.publish_faq")
    created = entry is None
    entry = entry or FaqEntry(source_ticket=source_ticket)
    entry.category = category
    entry.question_de = question_de.strip()
    entry.question_en = question_en.strip()
    entry.answer_de = answer_de.strip()
    entry.answer_en = answer_en.strip()
    entry.published = published
    entry.full_clean()
    with transaction.atomic():
        entry.save()
        faq_index(entry)
        index_changed()
        audit_log_record(
            actor=actor,
            action="helpdesk.faq_created" if created else "helpdesk.faq_changed",
            obj=entry,
            data={"ticket": source_ticket.pk if source_ticket else None},
        )
    return entry


def asker_names(ticket: Ticket) -> list[str]:
    """The names that identify the asker, to be removed from an FAQ draft."""
    names = [ticket.asker_name]
    if ticket.asker is not None:
        names += [
            ticket.asker.display_name,
            ticket.asker.get_full_name(),
            ticket.asker.username,
        ]
    return [n for n in names if n and len(n.strip()) >= 3]
