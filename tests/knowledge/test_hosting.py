"""Hosted services: requests with a code of conduct, one transition table,
capacity, provisioning by hand or by a signed webhook against a real local
receiver, a new code of conduct to accept again, usage for staff."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from allmende.knowledge import selectors
from allmende.knowledge.models import (
    AccessState,
    Provisioner,
    ServiceRequest,
    WebhookDelivery,
)
from allmende.knowledge.services import hosting as services
from allmende.notifications.models import Notification
from allmende.organizations.models import Membership
from tests.accounts.factories import StaffFactory, UserFactory
from tests.conftest import client_for
from tests.knowledge.factories import make_service, make_service_request, make_tool

pytestmark = pytest.mark.django_db

SECRET = "geheim-" + "x" * 20


class Receiver:
    """A webhook receiver that fails the first ``failures`` deliveries and
    remembers the delivery ids it acted on (so a repeat does nothing)."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.acted_on: set[str] = set()


@pytest.fixture
def receiver(settings: Any) -> Iterator[tuple[Receiver, str]]:
    settings.ALLMENDE_FETCH_PRIVATE_ADDRESSES = True
    settings.ALLMENDE_TASK_MODE = "sync"
    settings.ALLMENDE_KNOWLEDGE_WEBHOOK_BACKOFF = 0.01
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            if state.failures > 0:
                state.failures -= 1
                self.send_response(503)
                self.end_headers()
                return
            expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            if self.headers["X-Allmende-Signature"] != f"sha256={expected}":
                self.send_response(401)
                self.end_headers()
                return
            delivery = self.headers["X-Allmende-Delivery"]
            first = delivery not in state.acted_on
            state.acted_on.add(delivery)
            answer = json.dumps(
                {"access_details": "https://video.example.org/raum-1"} if first else {}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def _webhook_service(url: str) -> Any:
    return make_service(
        provisioner=Provisioner.WEBHOOK, webhook_url=url, webhook_secret=SECRET
    )


def test_the_webhook_provisioner_delivers_a_signed_message_and_activates(
    receiver: tuple[Receiver, str], django_capture_on_commit_callbacks: Any
) -> None:
    state, url = receiver
    request = make_service_request(_webhook_service(url))
    with django_capture_on_commit_callbacks(execute=True):
        services.service_request_transition(
            actor=StaffFactory(), request=request, target=AccessState.APPROVED
        )
    request.refresh_from_db()
    assert request.state == AccessState.ACTIVE
    assert request.access_details == "https://video.example.org/raum-1"
    headers, body = state.received[0]
    payload = json.loads(body)
    assert payload["organization"]["id"] == request.organization_id
    assert headers["X-Allmende-Delivery"] == payload["delivery_id"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is not None and delivery.attempts == 1


def test_a_receiver_that_fails_twice_gets_the_same_delivery_a_third_time(
    receiver: tuple[Receiver, str],
) -> None:
    state, url = receiver
    state.failures = 2
    request = make_service_request(_webhook_service(url))
    ServiceRequest.objects.filter(pk=request.pk).update(state=AccessState.APPROVED)
    assert services.service_request_provision(request_id=request.pk) == "active"
    ids = {headers["X-Allmende-Delivery"] for headers, _body in state.received}
    assert len(state.received) == 3 and len(ids) == 1
    assert WebhookDelivery.objects.get().attempts == 3
    # Running the job again sends nothing and changes nothing.
    assert services.service_request_provision(request_id=request.pk) == "active"
    assert len(state.received) == 3


def test_a_receiver_that_never_answers_leaves_the_request_for_staff(
    receiver: tuple[Receiver, str], settings: Any
) -> None:
    state, url = receiver
    state.failures = 99
    settings.ALLMENDE_KNOWLEDGE_WEBHOOK_ATTEMPTS = 3
    request = make_service_request(_webhook_service(url))
    ServiceRequest.objects.filter(pk=request.pk).update(state=AccessState.APPROVED)
    assert services.service_request_provision(request_id=request.pk) == "provisioning"
    delivery = WebhookDelivery.objects.get()
    assert delivery.delivered_at is None and delivery.last_status == 503
    # A later run sends the same delivery id again.
    state.failures = 0
    assert services.service_request_provision(request_id=request.pk) == "active"
    ids = {headers["X-Allmende-Delivery"] for headers, _body in state.received}
    assert ids == {str(delivery.delivery_id)}


def test_manual_provisioning_needs_access_details_seen_only_by_admins(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ALLMENDE_TASK_MODE = "sync"
    request = make_service_request()
    staff = StaffFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.service_request_transition(
            actor=staff, request=request, target=AccessState.APPROVED
        )
    request.refresh_from_db()
    assert request.state == AccessState.PROVISIONING
    with pytest.raises(ValidationError):
        services.service_request_transition(
            actor=staff, request=request, target=AccessState.ACTIVE
        )
    services.service_request_transition(
        actor=staff,
        request=request,
        target=AccessState.ACTIVE,
        access_details="Raum: vorstand, PIN 4711",
    )
    admin = request.organization.memberships.get(role=Membership.Role.ADMIN).user
    page = client_for(admin).get(request.get_absolute_url()).content.decode()
    assert "PIN 4711" in page
    member = Membership.objects.create(
        organization=request.organization,
        user=UserFactory(),
    ).user
    assert client_for(member).get(request.get_absolute_url()).status_code == 404


def test_declining_needs_a_reason_and_the_organization_is_told(
    django_capture_on_commit_callbacks: Any,
) -> None:
    request = make_service_request()
    staff = StaffFactory()
    with pytest.raises(ValidationError):
        services.service_request_transition(
            actor=staff, request=request, target=AccessState.DECLINED
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.service_request_transition(
            actor=staff,
            request=request,
            target=AccessState.DECLINED,
            reason="Der Dienst ist nur für Vereine.",
        )
    admin = request.organization.memberships.get(role=Membership.Role.ADMIN).user
    assert Notification.objects.filter(
        recipient=admin, type="knowledge.service_request_changed"
    ).exists()


def test_a_full_service_admits_no_more_organizations() -> None:
    service = make_service(capacity=1)
    first, second = make_service_request(service), make_service_request(service)
    staff = StaffFactory()
    services.service_request_transition(
        actor=staff, request=first, target=AccessState.APPROVED
    )
    with pytest.raises(ValidationError):
        services.service_request_transition(
            actor=staff, request=second, target=AccessState.APPROVED
        )
    services.service_request_transition(
        actor=staff, request=first, target=AccessState.PROVISIONING
    )


def test_one_open_request_per_organization_and_service() -> None:
    request = make_service_request()
    admin = request.organization.memberships.get(role=Membership.Role.ADMIN).user
    code = services.current_code(request.service)
    assert code is not None
    with pytest.raises(ValidationError):
        services.service_request_create(
            actor=admin,
            service=request.service,
            organization=request.organization,
            data=services.ServiceRequestData(
                purpose="Noch einmal",
                expected_users=3,
                contact_name="Kim",
                contact_email="kim@example.org",
            ),
            accepted_code=code,
        )


def test_an_unverified_organization_cannot_request_a_service_for_verified_ones() -> (
    None
):
    service = make_service(requires_verified=True)
    with pytest.raises(ValidationError):
        make_service_request(service, verified=False)


def test_a_member_who_is_not_admin_cannot_request() -> None:
    service = make_service()
    request = make_service_request(service)
    member = Membership.objects.create(
        organization=request.organization,
        user=UserFactory(),
    ).user
    with pytest.raises(PermissionDenied):
        services.service_request_create(
            actor=member,
            service=service,
            organization=request.organization,
            data=services.ServiceRequestData(
                purpose="x", expected_users=1, contact_name="x", contact_email="x@e.org"
            ),
            accepted_code=services.current_code(service),  # type: ignore[arg-type]
        )


def test_a_new_code_of_conduct_must_be_accepted_again_or_staff_see_it() -> None:
    request = make_service_request()
    staff = StaffFactory()
    for target in (AccessState.APPROVED, AccessState.PROVISIONING):
        request = services.service_request_transition(
            actor=staff, request=request, target=target
        )
    request = services.service_request_transition(
        actor=staff, request=request, target=AccessState.ACTIVE, access_details="x"
    )
    code = services.code_of_conduct_publish(
        actor=staff,
        service=request.service,
        text_de="Neue Regeln",
        accept_within_days=0,
    )
    request.refresh_from_db()
    assert request.reaccept_by is not None
    ServiceRequest.objects.filter(pk=request.pk).update(
        reaccept_by=timezone.now() - timedelta(minutes=1)
    )
    assert request in selectors.service_request_queue()
    admin = request.organization.memberships.get(role=Membership.Role.ADMIN).user
    services.service_request_accept_code(actor=admin, request=request, code=code)
    request.refresh_from_db()
    assert request.code_of_conduct == code and request.reaccept_by is None
    assert request not in selectors.service_request_queue()


def test_the_request_form_records_the_accepted_version_and_refuses_an_old_one() -> None:
    service = make_service()
    admin = Membership.objects.filter(role=Membership.Role.ADMIN)
    request = make_service_request(service)
    ServiceRequest.objects.filter(pk=request.pk).update(state=AccessState.ENDED)
    user = admin.get().user
    form = {
        "organization": request.organization.pk,
        "purpose": "Treffen",
        "expected_users": "8",
        "contact_name": "Kim",
        "contact_email": "kim@example.org",
        "code_version": "1",
        "accept_code": "on",
        "submission_key": "3f0a3e1e-8d5e-4a57-9a43-4f1f1d2c9b10",
    }
    client = client_for(user)
    page = client.post(
        f"/services/{service.slug}/request/", {**form, "code_version": "7"}
    )
    assert page.status_code == 200
    page = client.post(
        f"/services/{service.slug}/request/", {**form, "expected_users": "-3"}
    )
    assert page.status_code == 200
    assert client.post(f"/services/{service.slug}/request/", form).status_code == 302
    new = ServiceRequest.objects.get(state=AccessState.REQUESTED)
    assert new.code_of_conduct.version == 1 and new.code_accepted_at is not None


def test_staff_see_usage_and_download_it_as_csv() -> None:
    request = make_service_request()
    staff = StaffFactory()
    services.service_request_transition(
        actor=staff, request=request, target=AccessState.APPROVED
    )
    client = client_for(staff)
    assert request.organization.name in client.get("/services/usage/").content.decode()
    csv = client.get("/services/usage/?format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert request.organization.name in csv.content.decode()


def test_the_tool_page_names_the_service_hosted_by_the_programme() -> None:
    tool = make_tool()
    service = make_service(tool=tool, name="Videoräume des Programms")
    page = client_for(None).get(tool.get_absolute_url()).content.decode()
    assert service.name in page
