from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from allmende.core import ratelimit
from allmende.core.models import FocusArea
from allmende.core.site import site_url
from allmende.events import selectors
from allmende.events.exports import participants_csv, participants_xlsx
from allmende.events.forms import (
    CancelEventForm,
    CancelRegistrationForm,
    ConsultationSeriesForm,
    EventFilterForm,
    EventForm,
    MessageForm,
    ProposalDecisionForm,
    RegistrationForm,
)
from allmende.events.ics import calendar_bytes
from allmende.events.jsonld import jsonld_script
from allmende.events.models import (
    CalendarToken,
    Event,
    EventProposal,
    ProposalState,
    Registration,
)
from allmende.events.models.registrations import RegistrationState as S
from allmende.events.services import events as event_services
from allmende.events.services import proposals as proposal_services
from allmende.events.services import registrations as registration_services
from allmende.organizations.models import Organization


def _event_or_404(request: HttpRequest, slug: str) -> Event:
    event = selectors.event_for_viewer(slug=slug, viewer=request.user)
    if event is None:
        raise Http404
    return event


def _managed_event(request: HttpRequest, slug: str) -> Event:
    event = _event_or_404(request, slug)
    if not request.user.has_perm("events.manage_registrations", event):
        raise PermissionDenied
    return event


def _add_errors(form: object, exc: ValidationError) -> None:
    fields = getattr(form, "fields", {})
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in fields else None, errors)  # type: ignore[attr-defined]
    else:
        form.add_error(None, exc.messages)  # type: ignore[attr-defined]


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    filters = form.filters()
    paginator = Paginator(
        selectors.event_list(filters=filters), settings.ALLMENDE_EVENTS_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "filtered": any(filters.__dict__.values()),
        "can_add": request.user.has_perm("events.add_event"),
        "can_add_series": request.user.has_perm("events.add_series"),
    }
    template = (
        "events/_results.html"
        if request.headers.get("HX-Request")
        and request.headers.get("HX-Target") == "results"
        else "events/list.html"
    )
    return render(request, template, context)


def _detail_context(
    request: HttpRequest, event: Event, form: RegistrationForm | None = None
) -> dict[str, object]:
    registration = selectors.registration_of(event=event, viewer=request.user)
    slots = selectors.free_slots(event=event) if event.has_slots else []
    if form is None and registration is None:
        form = RegistrationForm(
            event=event, anonymous=not request.user.is_authenticated, slots=slots
        )
    return {
        "event": event,
        "registration": registration,
        "waiting_position": (
            selectors.waiting_position(registration=registration) if registration else 0
        ),
        "form": form,
        "slots": slots,
        "can_manage": request.user.has_perm("events.manage_registrations", event),
        "proposal": selectors.proposal_of(event=event),
        "can_edit_proposal": request.user.has_perm("events.change_proposal", event),
        "jsonld": jsonld_script(event),
        "map_tiles": settings.ALLMENDE_MAP_TILE_URL,
        "map_attribution": settings.ALLMENDE_MAP_ATTRIBUTION,
    }


@require_safe
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_or_404(request, slug)
    return render(request, "events/detail.html", _detail_context(request, event))


@require_POST
def register(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_or_404(request, slug)
    anonymous = not request.user.is_authenticated
    slots = selectors.free_slots(event=event) if event.has_slots else []
    form = RegistrationForm(request.POST, event=event, anonymous=anonymous, slots=slots)
    if event.has_slots and "slot" in form.fields:
        # Accept any slot of the event here; the service says if it was taken.
        form.fields["slot"].queryset = event.slots.all()  # type: ignore[attr-defined]
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            registration = registration_services.registration_create(
                event=event,
                actor=request.user,
                name=data.get("name", ""),
                email=data.get("email", ""),
                slot=data.get("slot"),
                question=data.get("question", ""),
                answers=form.answers(),
                mail_allowed=lambda address: ratelimit.mail_allowed(request, address),
            )
        except ratelimit.MailLimitReached:
            form.add_error(
                None,
                _(
                    "Too many registrations from here or for this address. "
                    "Please try again later."
                ),
            )
            status = 429
        except (ValidationError, IntegrityError) as exc:
            if selectors.registration_of(event=event, viewer=request.user):
                # A second click, or the same person in two tabs: show them the
                # registration they already have.
                messages.info(request, _("You are already registered for this event."))
                return redirect(event)
            if isinstance(exc, ValidationError):
                _add_errors(form, exc)
            else:
                form.add_error(None, _("You are already registered for this event."))
        else:
            if anonymous:
                return redirect(
                    reverse("events:check_mail", kwargs={"slug": event.slug})
                )
            messages.success(request, _state_message(registration))
            return redirect(event)
    return render(
        request,
        "events/detail.html",
        _detail_context(request, event, form),
        status=status,
    )


def _state_message(registration: Registration) -> str:
    if registration.state == S.CONFIRMED:
        return _("You are registered. See you there!")
    if registration.state == S.WAITING:
        return _(
            "The event is full; you are on the waiting list. We will write to "
            "you when a place becomes free."
        )
    if registration.state == S.PENDING:
        return _("Thank you. The organizers will confirm your registration.")
    return _("Your registration has been saved.")


@require_safe
def check_mail(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_or_404(request, slug)
    return render(request, "events/check_mail.html", {"event": event})


def registration_by_token(request: HttpRequest, token: str) -> HttpResponse:
    """The page behind the links in mails: confirm, accept an offer, cancel.

    Every action is a button (POST), because mail scanners open links.
    """
    registration = registration_services.registration_for_token(token)
    if registration is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm":
                registration = registration_services.registration_confirm(
                    registration=registration
                )
                messages.success(request, _state_message(registration))
            elif action == "accept":
                registration_services.registration_accept_offer(
                    registration=registration, actor=request.user, by_token=True
                )
                messages.success(request, _("You have accepted the place. Welcome!"))
            elif action == "cancel":
                registration_services.registration_cancel(
                    registration=registration, actor=request.user, by_token=True
                )
                messages.success(request, _("Your registration has been cancelled."))
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(request.path)
    registration.refresh_from_db()
    return render(
        request,
        "events/registration.html",
        {
            "registration": registration,
            "event": registration.event,
            "waiting_position": selectors.waiting_position(registration=registration),
        },
    )


def _own_registration(request: HttpRequest, pk: int) -> Registration:
    registration = get_object_or_404(
        Registration.objects.select_related("event"), pk=pk
    )
    if not request.user.has_perm("events.view_registration", registration):
        raise Http404
    return registration


@login_required
@require_POST
def cancel_registration(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _own_registration(request, pk)
    try:
        registration_services.registration_cancel(
            registration=registration, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your registration has been cancelled."))
    return redirect(registration.event)


@login_required
@require_POST
def accept_offer(request: HttpRequest, pk: int) -> HttpResponse:
    registration = _own_registration(request, pk)
    try:
        registration_services.registration_accept_offer(
            registration=registration, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("You have accepted the place. Welcome!"))
    return redirect(registration.event)


@login_required
@require_safe
def participants(request: HttpRequest, slug: str) -> HttpResponse:
    event = _managed_event(request, slug)
    state = request.GET.get("state", "")
    if state not in S.values:
        state = ""
    registrations = selectors.event_participants(event=event, state=state)
    counts: dict[str, int] = {}
    for registration in selectors.event_participants(event=event):
        counts[registration.state] = counts.get(registration.state, 0) + 1
    return render(
        request,
        "events/participants.html",
        {
            "event": event,
            "registrations": registrations,
            "state": state,
            "states": [
                (value, label, counts.get(value, 0)) for value, label in S.choices
            ],
        },
    )


@login_required
@require_POST
def move_participant(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    event = _managed_event(request, slug)
    registration = get_object_or_404(event.registrations, pk=pk)
    if request.POST.get("move") == "cancel":
        # A cancellation is confirmed on its own page first.
        return redirect("events:cancel_participant", slug=event.slug, pk=pk)
    try:
        registration_services.registration_move(
            registration=registration,
            move=request.POST.get("move", ""),
            actor=request.user,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s: the registration has been changed.")
            % {"name": registration.name},
        )
    return redirect(reverse("events:participants", kwargs={"slug": event.slug}))


@login_required
def cancel_participant(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """An organizer cancels a registration after confirming; the participant
    is told by e-mail."""
    event = _managed_event(request, slug)
    registration = get_object_or_404(event.registrations, pk=pk)
    participants_url = reverse("events:participants", kwargs={"slug": event.slug})
    if not registration.is_active or registration.state == S.ATTENDED:
        return redirect(participants_url)
    form = CancelRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration_services.registration_move(
                registration=registration,
                move="cancel",
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _(
                    "%(name)s: the registration has been cancelled; "
                    "an e-mail tells them."
                )
                % {"name": registration.name},
            )
        return redirect(participants_url)
    return render(
        request,
        "events/participant_cancel.html",
        {"event": event, "registration": registration, "form": form},
    )


@login_required
@require_safe
def export_participants(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    event = _managed_event(request, slug)
    registrations = selectors.event_participants(event=event)
    if fmt == "csv":
        response = HttpResponse(
            participants_csv(event, registrations), content_type="text/csv"
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            participants_xlsx(event, registrations),
            content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        )
    else:
        raise Http404
    response["Content-Disposition"] = (
        f'attachment; filename="{event.slug}-participants.{fmt}"'
    )
    return response


@login_required
def message_participants(request: HttpRequest, slug: str) -> HttpResponse:
    event = _managed_event(request, slug)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count = event_services.event_message_participants(
                actor=request.user,
                event=event,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The message is on its way to %(count)d participants.")
                % {"count": count},
            )
            return redirect(reverse("events:participants", kwargs={"slug": slug}))
    return render(request, "events/message.html", {"event": event, "form": form})


@login_required
def event_create(request: HttpRequest) -> HttpResponse:
    """Staff and hosts create events; other organizations' administrators
    propose them to the staff."""
    if not request.user.has_perm("events.add_event"):
        raise PermissionDenied
    organizations = selectors.event_form_organizations(user=request.user)
    hosts = selectors.host_organizations(user=request.user)
    form = EventForm(
        request.POST or None,
        organizations=organizations,
        initial={"organization": request.GET.get("organization")},
    )
    staff = getattr(request.user, "is_staff", False)
    proposing_only = not staff and not hosts.exists()
    if not staff:
        form.fields["organization"].required = True
    if proposing_only:
        del form.fields["status"]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        topics = data.pop("topics")
        organization = data.pop("organization")
        proposing = organization is not None and not request.user.has_perm(
            "events.host_for_organization", organization
        )
        try:
            if proposing:
                data.pop("status", None)
                event = proposal_services.event_propose(
                    actor=request.user,
                    organization=organization,
                    topics=topics,
                    **data,
                )
            else:
                event = event_services.event_create(
                    actor=request.user,
                    organization=organization,
                    topics=topics,
                    **data,
                )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your proposal has been sent to the team. The event is "
                    "published once they have reviewed it; you will get an e-mail."
                )
                if proposing
                else _("The event has been created."),
            )
            return redirect(event)
    return render(
        request,
        "events/form.html",
        {
            "form": form,
            "creating": True,
            "proposing_only": proposing_only,
            "proposing_some": not staff
            and not proposing_only
            and organizations.count() > hosts.count(),
            "can_add_series": request.user.has_perm("events.add_series"),
        },
    )


@login_required
@require_safe
def proposal_queue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("events.decide_proposal"):
        raise PermissionDenied
    return render(
        request,
        "events/proposal_queue.html",
        {"queue": selectors.event_proposal_queue(), "form": ProposalDecisionForm()},
    )


@login_required
@require_POST
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = get_object_or_404(EventProposal.objects.select_related("event"), pk=pk)
    if not request.user.has_perm("events.decide_proposal", proposal.event):
        raise PermissionDenied
    form = ProposalDecisionForm(request.POST)
    if form.is_valid():
        publish = form.cleaned_data["decision"] == "publish"
        try:
            proposal_services.event_proposal_decide(
                proposal=proposal,
                publish=publish,
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                (
                    _("“%(event)s” has been published.")
                    if publish
                    else _("“%(event)s” has been declined.")
                )
                % {"event": proposal.event.title},
            )
    else:
        messages.error(request, " ".join(form.error_messages()))
    return redirect("events:proposal_queue")


@login_required
def series_create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("events.add_series"):
        raise PermissionDenied
    organizations = selectors.host_organizations(user=request.user)
    form = ConsultationSeriesForm(request.POST or None, organizations=organizations)
    if not getattr(request.user, "is_staff", False):
        form.fields["organization"].required = True
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            _series, events = event_services.consultation_series_create(
                actor=request.user, **data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "The series has been created with %(count)d date.",
                    "The series has been created with %(count)d dates.",
                    len(events),
                )
                % {"count": len(events)},
            )
            return redirect(events[0])
    return render(request, "events/series_form.html", {"form": form})


@login_required
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_or_404(request, slug)
    if not request.user.has_perm("events.change_event", event):
        if request.user.has_perm("events.change_proposal", event):
            return _proposal_edit(request, event)
        raise PermissionDenied
    form = EventForm(
        request.POST or None,
        instance=event,
        organizations=selectors.host_organizations(user=request.user),
    )
    del form.fields["organization"]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        topics = data.pop("topics")
        try:
            event_services.event_update(
                actor=request.user, event=event, topics=topics, **data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The event has been saved."))
            return redirect(event)
        event.refresh_from_db()
    return render(
        request, "events/form.html", {"form": form, "event": event, "creating": False}
    )


def _proposal_edit(request: HttpRequest, event: Event) -> HttpResponse:
    """The proposing organization's administrators change their proposal
    until the staff answer it."""
    proposal = event.proposal
    if proposal.state != ProposalState.PROPOSED:
        messages.error(request, proposal_services.proposal_closed_message(proposal))
        return redirect(event)
    form = EventForm(
        request.POST or None, instance=event, organizations=Organization.objects.none()
    )
    del form.fields["organization"]
    del form.fields["status"]
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        topics = data.pop("topics")
        try:
            proposal_services.event_proposal_update(
                actor=request.user, event=event, topics=topics, **data
            )
        except ValidationError as exc:
            if exc.code == "proposal_closed":
                messages.error(request, " ".join(exc.messages))
                return redirect(event)
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your proposal has been saved."))
            return redirect(event)
        event.refresh_from_db()
    return render(
        request,
        "events/form.html",
        {"form": form, "event": event, "creating": False, "proposal": proposal},
    )


@login_required
def event_cancel(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_or_404(request, slug)
    if not request.user.has_perm("events.change_event", event):
        raise PermissionDenied
    form = CancelEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        event_services.event_cancel(
            actor=request.user, event=event, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The event has been cancelled."))
        return redirect(event)
    return render(request, "events/cancel.html", {"event": event, "form": form})


@require_safe
def event_ics(request: HttpRequest, slug: str) -> HttpResponse:
    event = _event_or_404(request, slug)
    registration = selectors.registration_of(event=event, viewer=request.user)
    links = registration is not None and registration.sees_meeting_link
    return _ics_response(
        calendar_bytes([event], include_links=links), f"{event.slug}.ics"
    )


@require_safe
def public_feed(request: HttpRequest) -> HttpResponse:
    events = selectors.public_feed_events()
    return _ics_response(
        calendar_bytes(events, name=f"{settings.SITE_NAME}: {_('Events')}"),
        "events.ics",
    )


@require_safe
def topic_feed(request: HttpRequest, slug: str) -> HttpResponse:
    topic = get_object_or_404(FocusArea, slug=slug)
    events = selectors.public_feed_events(topic=topic)
    return _ics_response(
        calendar_bytes(events, name=f"{settings.SITE_NAME}: {topic}"),
        f"events-{topic.slug}.ics",
    )


@require_safe
def private_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = CalendarToken.objects.select_related("user").filter(token=token).first()
    if feed is None:
        raise Http404
    events = selectors.private_feed_events(user=feed.user)
    response = _ics_response(
        calendar_bytes(
            events, name=f"{settings.SITE_NAME}: {_('My events')}", include_links=True
        ),
        "my-events.ics",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_events(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "reset_feed":
        event_services.calendar_token_reset(actor=request.user)
        messages.success(
            request,
            _("Your calendar has a new address; the old one no longer works."),
        )
        return redirect("events:mine")
    token = event_services.calendar_token_for(request.user)
    return render(
        request,
        "events/mine.html",
        {
            "registrations": selectors.registrations_of(user=request.user),
            "managed": selectors.events_managed_by(user=request.user)[:50],
            "feed_url": site_url(request)
            + reverse("events:private_feed", kwargs={"token": token}),
        },
    )
