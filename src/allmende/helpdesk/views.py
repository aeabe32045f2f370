"""Thin views of the helpdesk: they validate input, call a service and render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from allmende.accounts.models import User
from allmende.core import files, ratelimit
from allmende.core.forms import add_validation_error
from allmende.core.idempotency import submission_key, submit_once
from allmende.core.search import site_search
from allmende.helpdesk import scrub, selectors, services
from allmende.helpdesk.forms import (
    AgentReplyForm,
    AskForm,
    AssignForm,
    CannedChoiceForm,
    CategoryForm,
    FaqForm,
    MergeForm,
    NoteForm,
    ReplyForm,
)
from allmende.helpdesk.models import (
    AGENT,
    Attachment,
    Category,
    FaqEntry,
    HeldMail,
    MessageKind,
    Ticket,
    TicketState,
    targets_from,
)

SUGGESTIONS = 5
QUEUE_PAGE_SIZE = 30
# The note form shares the ticket page with the answer form: its own ids.
NOTE_IDS = "id_note_%s"


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 (login_required)
    return request.user


def _ticket_or_404(request: HttpRequest, number: int) -> Ticket:
    return get_object_or_404(
        selectors.visible_tickets(request.user).select_related(
            "category", "assignee", "asker"
        ),
        pk=number,
    )


def _require(request: HttpRequest, permission: str, obj: Any = None) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


# Asking ------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """The question form, with FAQ entries suggested while the subject is typed."""
    form = AskForm(request.POST or None, request.FILES or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and not _mail_allowed(request, form):
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            key = submission_key(request) or data["submission_key"]

            def create() -> str:
                ticket = services.ticket_ask(
                    actor=request.user,
                    subject=data["subject"],
                    text=data["text"],
                    category=data["category"],
                    organization_name=data["organization_name"],
                    name=data.get("name", ""),
                    email=data.get("email", ""),
                    attachments=data["attachments"],
                )
                if request.user.is_authenticated:
                    return ticket.get_absolute_url()
                return reverse("helpdesk:check_mail")

            try:
                url = submit_once(key=key, user=request.user, create=create)
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                if request.user.is_authenticated:
                    messages.success(
                        request, _("Thank you! Your question has been sent.")
                    )
                return redirect(url)
    return render(
        request,
        "helpdesk/index.html",
        {
            "form": form,
            "categories": Category.objects.all(),
            "suggestions": _suggestions(request, form.data.get("subject", "")),
        },
        status=status,
    )


def _mail_allowed(request: HttpRequest, form: AskForm) -> bool:
    """A question without an account sends a confirmation mail: limited per
    client and address, as every mail a visitor asks for."""
    if request.user.is_authenticated:
        return True
    if ratelimit.mail_allowed(request, form.cleaned_data.get("email") or ""):
        return True
    form.add_error(None, _("Too many messages from here. Please try again later."))
    return False


def _suggestions(request: HttpRequest, subject: str) -> list[Any]:
    if not subject.strip():
        return []
    return site_search(viewer=request.user, query=subject, type_key="faq")[:SUGGESTIONS]


@require_safe
def suggest(request: HttpRequest) -> HttpResponse:
    """FAQ entries that match the subject typed so far (for htmx)."""
    return render(
        request,
        "helpdesk/_suggestions.html",
        {"suggestions": _suggestions(request, request.GET.get("subject", ""))},
    )


@require_safe
def check_mail(request: HttpRequest) -> HttpResponse:
    return render(request, "helpdesk/check_mail.html")


@require_http_methods(["GET", "HEAD", "POST"])
def by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The question of someone without an account, behind the link mailed to
    them. Only its buttons (POST) change anything: mail scanners open links."""
    ticket = services.ticket_for_link_token(token)
    if ticket is None:
        return render(request, "helpdesk/link_invalid.html", status=404)
    form = ReplyForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "confirm":
            services.ticket_confirm(ticket=ticket)
            messages.success(
                request, _("Thank you! Your question has been sent to the helpdesk.")
            )
            return redirect(request.path)
        if action == "reply" and ticket.confirmed_at is not None:
            form = ReplyForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    services.ticket_asker_reply(
                        ticket=ticket,
                        actor=request.user,
                        text=form.cleaned_data["text"],
                        attachments=form.cleaned_data["attachments"],
                        by_link=True,
                    )
                except ValidationError as exc:
                    add_validation_error(form, exc)
                else:
                    messages.success(request, _("Your message has been sent."))
                    return redirect(request.path)
        else:
            messages.error(request, _("Unknown action."))
            return redirect(request.path)
    return render(
        request,
        "helpdesk/by_link.html",
        {
            "ticket": ticket,
            "token": token,
            "pending": ticket.confirmed_at is None,
            "conversation": selectors.conversation(ticket=ticket, internal=False),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@require_safe
def by_link_attachment(request: HttpRequest, token: str, pk: int) -> HttpResponseBase:
    ticket = services.ticket_for_link_token(token)
    if ticket is None:
        raise Http404
    attachment = get_object_or_404(
        Attachment.objects.exclude(message__kind=MessageKind.NOTE),
        pk=pk,
        message__ticket=ticket,
    )
    return _serve(attachment)


@login_required
@require_safe
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "helpdesk/mine.html",
        {"tickets": selectors.my_questions(viewer=request.user)},
    )


# The ticket --------------------------------------------------------------------


@login_required
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    _require(request, "helpdesk.view_queue")
    categories = selectors.agent_categories(request.user)
    category = None
    slug = request.GET.get("category", "")
    if slug:
        category = categories.filter(slug=slug).first()
    state = request.GET.get("state", "")
    if state not in TicketState.values:
        state = ""
    tickets = selectors.queue(
        viewer=request.user,
        category=category,
        state=state,
        mine=request.GET.get("mine") == "1",
    )
    page = Paginator(tickets, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "helpdesk/queue.html",
        {
            "page": page,
            "categories": categories,
            "selected_category": category,
            "states": TicketState.choices,
            "selected_state": state,
            "mine": request.GET.get("mine") == "1",
            "held_count": selectors.held_mails(viewer=request.user).count(),
        },
    )


def _ticket_context(
    request: HttpRequest, ticket: Ticket, **forms: Any
) -> dict[str, Any]:
    works = request.user.has_perm("helpdesk.work_ticket", ticket)
    context: dict[str, Any] = {
        "ticket": ticket,
        "works": works,
        "conversation": selectors.conversation(ticket=ticket, internal=works),
        "is_asker": request.user.has_perm("helpdesk.reply_as_asker", ticket),
    }
    if works:
        text = ""
        canned_form = CannedChoiceForm(request.GET or None, ticket=ticket)
        if "canned" in request.GET and canned_form.is_valid():
            text = services.canned_answer_text(
                answer=canned_form.cleaned_data["canned"],
                ticket=ticket,
                agent=_user(request),
                language=ticket.language,
            )
        context.update(
            {
                "reply_form": forms.get("reply_form")
                or AgentReplyForm(initial={"text": text}),
                "canned_form": canned_form,
                "note_form": forms.get("note_form") or NoteForm(auto_id=NOTE_IDS),
                "assign_form": forms.get("assign_form") or AssignForm(ticket=ticket),
                "category_form": forms.get("category_form")
                or CategoryForm(initial={"category": ticket.category_id}),
                "merge_form": forms.get("merge_form") or MergeForm(),
                "targets": [
                    (target, TicketState(target).label)
                    for target in targets_from(ticket.state, AGENT)
                ],
                "others": selectors.other_tickets_of(ticket, viewer=request.user)[:10],
                "may_publish": request.user.has_perm("helpdesk.publish_faq"),
                "reply_address": services.reply_address(ticket),
            }
        )
    else:
        context["reply_form"] = forms.get("reply_form") or ReplyForm()
    return context


@login_required
@require_safe
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    if ticket.merged_into_id is not None and request.user.has_perm(
        "helpdesk.view_ticket", ticket.merged_into
    ):
        messages.info(request, _("This ticket was merged into another one."))
        return redirect(ticket.merged_into)  # type: ignore[arg-type]
    return render(request, "helpdesk/ticket.html", _ticket_context(request, ticket))


@login_required
@require_POST
def ticket_reply(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    works = request.user.has_perm("helpdesk.work_ticket", ticket)
    if not works:
        _require(request, "helpdesk.reply_as_asker", ticket)
    form: AgentReplyForm | ReplyForm = (
        AgentReplyForm(request.POST, request.FILES)
        if works
        else ReplyForm(request.POST, request.FILES)
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            if works:
                services.ticket_reply(
                    ticket=ticket,
                    actor=_user(request),
                    text=data["text"],
                    attachments=data["attachments"],
                )
            else:
                services.ticket_asker_reply(
                    ticket=ticket,
                    actor=request.user,
                    text=data["text"],
                    attachments=data["attachments"],
                )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("Your message has been sent."))
            return redirect(ticket)
    return render(
        request,
        "helpdesk/ticket.html",
        _ticket_context(request, ticket, reply_form=form),
        status=400,
    )


@login_required
@require_POST
def ticket_note(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    _require(request, "helpdesk.work_ticket", ticket)
    form = NoteForm(request.POST, auto_id=NOTE_IDS)
    if form.is_valid():
        services.ticket_note_add(
            ticket=ticket, actor=_user(request), text=form.cleaned_data["text"]
        )
        messages.success(request, _("The note has been added."))
        return redirect(ticket)
    return render(
        request,
        "helpdesk/ticket.html",
        _ticket_context(request, ticket, note_form=form),
        status=400,
    )


def _simple_action(request: HttpRequest, ticket: Ticket, action: Any) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(ticket)
    messages.success(request, _("The ticket has been changed."))
    return redirect(ticket)


@login_required
@require_POST
def ticket_transition(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    _require(request, "helpdesk.work_ticket", ticket)
    target = request.POST.get("target", "")
    return _simple_action(
        request,
        ticket,
        lambda: services.ticket_transition(
            ticket=ticket, actor=_user(request), target=target
        ),
    )


@login_required
@require_POST
def ticket_assign(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    _require(request, "helpdesk.work_ticket", ticket)
    form = AssignForm(request.POST, ticket=ticket)
    if not form.is_valid():
        messages.error(request, _("Please choose an agent from the list."))
        return redirect(ticket)
    return _simple_action(
        request,
        ticket,
        lambda: services.ticket_assign(
            ticket=ticket,
            actor=_user(request),
            assignee=form.cleaned_data["assignee"],
        ),
    )


@login_required
@require_POST
def ticket_category(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    _require(request, "helpdesk.work_ticket", ticket)
    form = CategoryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a category from the list."))
        return redirect(ticket)
    services.ticket_categorise(
        ticket=ticket, actor=_user(request), category=form.cleaned_data["category"]
    )
    messages.success(request, _("The ticket has been changed."))
    if request.user.has_perm("helpdesk.view_ticket", ticket):
        return redirect(ticket)
    return redirect("helpdesk:queue")


@login_required
@require_POST
def ticket_merge(request: HttpRequest, number: int) -> HttpResponse:
    ticket = _ticket_or_404(request, number)
    _require(request, "helpdesk.work_ticket", ticket)
    form = MergeForm(request.POST)
    if form.is_valid():
        target = (
            selectors.worked_tickets(request.user)
            .filter(pk=form.cleaned_data["target"])
            .first()
        )
        if target is None:
            form.add_error("target", _("There is no such ticket that you work on."))
        else:
            try:
                merged = services.ticket_merge(
                    source=ticket, target=target, actor=_user(request)
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The tickets have been merged."))
                return redirect(merged)
    return render(
        request,
        "helpdesk/ticket.html",
        _ticket_context(request, ticket, merge_form=form),
        status=400,
    )


@login_required
@require_safe
def attachment(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = get_object_or_404(
        Attachment.objects.select_related("message__ticket"), pk=pk
    )
    if not selectors.attachment_visible(attachment=found, viewer=request.user):
        raise Http404
    return _serve(found)


def _serve(found: Attachment) -> HttpResponseBase:
    return files.protect(
        FileResponse(
            found.file.open("rb"),
            as_attachment=True,
            filename=found.original_name,
            content_type=files.content_type_of(found.file.name or ""),
        )
    )


# Answer to FAQ -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def faq_from_ticket(request: HttpRequest, number: int) -> HttpResponse:
    """The FAQ editor filled with the ticket's question and last answer, the
    asker's details removed and the places marked for a last check."""
    ticket = _ticket_or_404(request, number)
    _require(request, "helpdesk.publish_faq")
    if request.method == "POST":
        form = FaqForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.faq_entry_save(
                    actor=_user(request),
                    category=data["category"],
                    question_de=data["question_de"],
                    question_en=data["question_en"],
                    answer_de=data["answer_de"],
                    answer_en=data["answer_en"],
                    published=data["published"],
                    source_ticket=ticket,
                )
            except ValidationError as exc:
                add_validation_error(form, exc)
            else:
                messages.success(request, _("The FAQ entry has been published."))
                return redirect(entry)
        status = 400
    else:
        form = FaqForm(initial=_faq_draft(ticket))
        status = 200
    return render(
        request,
        "helpdesk/faq_edit.html",
        {
            "form": form,
            "ticket": ticket,
            "checks": [
                (form[name].label, scrub.highlighted(str(form[name].value() or "")))
                for name in ("question_de", "question_en", "answer_de", "answer_en")
                if form[name].value()
            ],
        },
        status=status,
    )


def _faq_draft(ticket: Ticket) -> dict[str, Any]:
    conversation = list(selectors.conversation(ticket=ticket, internal=False))
    question = next((m.text for m in conversation if m.kind == MessageKind.ASKER), "")
    answer = next(
        (m.text for m in reversed(conversation) if m.kind == MessageKind.AGENT), ""
    )
    names = services.asker_names(ticket)
    organizations = [ticket.organization_name] if ticket.organization_name else []
    subject = scrub.scrub(ticket.subject, names=names, organizations=organizations)
    body = scrub.scrub(question, names=names, organizations=organizations)
    reply = scrub.scrub(answer, names=names, organizations=organizations)
    field = "de" if ticket.language == "de" else "en"
    return {
        "category": ticket.category_id,
        f"question_{field}": subject.text,
        f"answer_{field}": f"{body.text}\n\n---\n\n{reply.text}".strip(),
        "published": True,
    }


# FAQ ---------------------------------------------------------------------------


@require_safe
def faq_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "helpdesk/faq_list.html",
        {
            "groups": selectors.faq_by_category(),
            "may_publish": request.user.has_perm("helpdesk.publish_faq"),
        },
    )


@require_safe
def faq_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        selectors.visible_faq(request.user).select_related("category"), pk=pk
    )
    return render(
        request,
        "helpdesk/faq_entry.html",
        {
            "entry": entry,
            "may_publish": request.user.has_perm("helpdesk.publish_faq"),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def faq_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "helpdesk.publish_faq")
    entry = get_object_or_404(FaqEntry, pk=pk)
    form = FaqForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.faq_entry_save(
                actor=_user(request),
                entry=FaqEntry.objects.get(pk=entry.pk),
                category=data["category"],
                question_de=data["question_de"],
                question_en=data["question_en"],
                answer_de=data["answer_de"],
                answer_en=data["answer_en"],
                published=data["published"],
            )
        except ValidationError as exc:
            add_validation_error(form, exc)
        else:
            messages.success(request, _("The FAQ entry has been saved."))
            return redirect("helpdesk:faq")
    return render(
        request,
        "helpdesk/faq_edit.html",
        {"form": form, "entry": entry, "checks": []},
        status=400 if form.errors else 200,
    )


# Held mails --------------------------------------------------------------------


@login_required
@require_safe
def held_list(request: HttpRequest) -> HttpResponse:
    _require(request, "helpdesk.manage")
    return render(
        request,
        "helpdesk/held.html",
        {"held": selectors.held_mails(viewer=request.user)},
    )


@login_required
@require_POST
def held_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "helpdesk.manage")
    held = get_object_or_404(HeldMail, pk=pk, decided_at__isnull=True)
    action = request.POST.get("action", "")
    try:
        if action == "accept":
            services.held_mail_accept(held=held, actor=_user(request))
            messages.success(request, _("The mail has been added to its ticket."))
        elif action == "new_ticket":
            ticket = services.held_mail_new_ticket(held=held, actor=_user(request))
            messages.success(request, _("The mail is now a ticket of its own."))
            return redirect(ticket)
        elif action == "discard":
            services.held_mail_discard(held=held, actor=_user(request))
            messages.success(request, _("The mail has been discarded."))
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("helpdesk:held")
