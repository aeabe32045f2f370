"""Individual signatures: double opt-in by POST, duplicates, bad input."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from allmende.campaigns import services
from allmende.campaigns.models import Signature, SignatureState, SignerKinds
from tests.campaigns.factories import CampaignFactory

# Real commits, so that mails queued with on_commit go out as in production.
pytestmark = pytest.mark.django_db(transaction=True)

FORM = {
    "name": "Ada Lovelace",
    "email": "Ada@Example.org",
    "postcode": "04109",
    "name_public": "on",
    "consent": "on",
}


def _link(body: str) -> str:
    match = re.search(r"http://\S+/campaigns/s/(\S+)/", body)
    assert match is not None, body
    return f"/campaigns/s/{match.group(1)}/"


def test_signing_stores_a_pending_signature_and_mails_a_link() -> None:
    campaign = CampaignFactory()
    response = Client().post(reverse("campaigns:sign", args=[campaign.slug]), FORM)
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:check_mail", args=[campaign.slug])
    signature = Signature.objects.get()
    assert signature.state == SignatureState.PENDING
    assert signature.email == "ada@example.org"
    assert signature.consent_version == campaign.consent_version
    assert signature.ip_hash and "127.0.0.1" not in signature.ip_hash
    assert signature.ip_hash == services.ip_hash("127.0.0.1")
    assert len(mail.outbox) == 1
    assert "/campaigns/s/" in mail.outbox[0].body


def test_get_on_the_mailed_link_changes_nothing_and_post_confirms() -> None:
    campaign = CampaignFactory()
    client = Client()
    client.post(reverse("campaigns:sign", args=[campaign.slug]), FORM)
    link = _link(mail.outbox[0].body)
    for _ in range(3):
        page = client.get(link)
        assert page.status_code == 200
        assert "Confirm my signature" in page.content.decode()
    signature = Signature.objects.get()
    assert signature.state == SignatureState.PENDING
    response = client.post(link, {"action": "confirm"})
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.state == SignatureState.CONFIRMED
    assert signature.confirmed_at is not None
    detail = client.get(campaign.get_absolute_url()).content.decode()
    assert "Ada Lovelace" in detail
    # A reused link shows the confirmed signature and confirms nothing twice.
    again = client.post(link, {"action": "confirm"}, follow=True)
    assert "Your signature is confirmed" in again.content.decode()
    assert Signature.objects.filter(state=SignatureState.CONFIRMED).count() == 1


def test_forged_token_shows_a_clear_page() -> None:
    campaign = CampaignFactory()
    Client().post(reverse("campaigns:sign", args=[campaign.slug]), FORM)
    link = _link(mail.outbox[0].body)
    forged = link[:-3] + ("0" if link[-3] != "0" else "1") + link[-2:]
    for address in (forged, "/campaigns/s/12-abc/", "/campaigns/s/nonsense/"):
        response = Client().post(address, {"action": "confirm"})
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
    assert Signature.objects.get().state == SignatureState.PENDING


def test_withdrawn_signature_link_cannot_confirm_again() -> None:
    campaign = CampaignFactory()
    client = Client()
    client.post(reverse("campaigns:sign", args=[campaign.slug]), FORM)
    link = _link(mail.outbox[0].body)
    client.post(link, {"action": "withdraw"})
    page = client.post(link, {"action": "confirm"}, follow=True).content.decode()
    assert "This signature has been withdrawn" in page
    assert Signature.objects.get().state == SignatureState.WITHDRAWN


def test_second_signing_with_the_same_address_shows_the_same_page() -> None:
    campaign = CampaignFactory()
    url = reverse("campaigns:sign", args=[campaign.slug])
    first = Client().post(url, FORM)
    second = Client().post(url, {**FORM, "email": "  ADA@example.ORG "})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Signature.objects.count() == 1
    assert len(mail.outbox) == 2
    assert "already signed" in mail.outbox[1].body
    # Still pending: the mail carries the confirmation link again.
    assert _link(mail.outbox[1].body) == _link(mail.outbox[0].body)


def test_signing_again_after_confirming_sends_no_link() -> None:
    campaign = CampaignFactory()
    url = reverse("campaigns:sign", args=[campaign.slug])
    Client().post(url, FORM)
    Client().post(_link(mail.outbox[0].body), {"action": "confirm"})
    outbox_before = len(mail.outbox)
    response = Client().post(url, FORM)
    assert response.status_code == 302
    assert Signature.objects.count() == 1
    latest = mail.outbox[outbox_before]
    assert "already signed" in latest.body
    assert "/campaigns/s/" not in latest.body


def test_database_refuses_a_second_active_signature_of_one_address() -> None:
    campaign = CampaignFactory()
    services.signature_create(campaign=campaign, name="Ada", email="ada@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        Signature.objects.create(
            campaign=campaign,
            name="Ada again",
            email="ada@example.org",
            consent_version=1,
            nonce="x",
            signed_at=Signature.objects.get().signed_at,
            state=SignatureState.CONFIRMED,
            confirmed_at=Signature.objects.get().signed_at,
        )


def test_email_is_normalised_with_idna_domain() -> None:
    assert services.normalise_email("  Max@Bücher.Example ") == (
        "max@xn--bcher-kva.example"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "<script>alert(1)</script>", "without &lt; or &gt;"),
        ("name", "A" * 10_000, "at most 150 characters"),
        ("postcode", "1234X", "five digits"),
        ("email", "not-an-address", "valid email address"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    field: str, value: str, message: str
) -> None:
    campaign = CampaignFactory()
    response = Client().post(
        reverse("campaigns:sign", args=[campaign.slug]), {**FORM, field: value}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Signature.objects.exists()
    assert not mail.outbox


def test_campaign_for_organizations_only_refuses_individuals() -> None:
    campaign = CampaignFactory(signers=SignerKinds.ORGANIZATIONS)
    response = Client().post(reverse("campaigns:sign", args=[campaign.slug]), FORM)
    assert response.status_code == 400
    assert not Signature.objects.exists()


def test_too_many_attempts_get_a_friendly_page(settings: object) -> None:
    settings.ALLMENDE_CAMPAIGN_RATE_PER_CLIENT = 2  # type: ignore[attr-defined]
    campaign = CampaignFactory()
    url = reverse("campaigns:sign", args=[campaign.slug])
    for number in range(2):
        assert (
            Client().post(url, {**FORM, "email": f"p{number}@example.org"}).status_code
            == 302
        )
    response = Client().post(url, {**FORM, "email": "p9@example.org"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert Signature.objects.count() == 2


def test_the_limit_per_e_mail_domain_counts_each_campaign_apart(
    settings: object,
) -> None:
    settings.ALLMENDE_CAMPAIGN_RATE_PER_CLIENT = 0  # type: ignore[attr-defined]
    settings.ALLMENDE_CAMPAIGN_RATE_PER_DOMAIN = 2  # type: ignore[attr-defined]
    first, second = CampaignFactory(), CampaignFactory()
    url = reverse("campaigns:sign", args=[first.slug])
    for number in range(2):
        form = {**FORM, "email": f"p{number}@example.org"}
        assert Client().post(url, form).status_code == 302
    assert Client().post(url, {**FORM, "email": "p9@example.org"}).status_code == 429
    other = reverse("campaigns:sign", args=[second.slug])
    assert Client().post(other, {**FORM, "email": "p9@example.org"}).status_code == 302
    assert Signature.objects.filter(campaign=second).count() == 1


def test_unconfirmed_signatures_are_deleted_after_the_configured_days() -> None:
    from datetime import timedelta

    from django.utils import timezone

    campaign = CampaignFactory()
    old = services.signature_create(
        campaign=campaign, name="Old", email="old@example.org"
    )
    fresh = services.signature_create(
        campaign=campaign, name="New", email="new@example.org"
    )
    assert old is not None and fresh is not None
    Signature.objects.filter(pk=old.pk).update(
        signed_at=timezone.now() - timedelta(days=8)
    )
    assert services.signatures_delete_unconfirmed() == 1
    assert list(Signature.objects.all()) == [fresh]
    # A periodic job does it (see allmende.core.scheduler).
    from allmende.core import scheduler

    assert "campaigns.delete_unconfirmed" in [job.name for job in scheduler.jobs()]


def test_confirmation_after_the_campaign_closed_is_refused() -> None:
    campaign = CampaignFactory()
    signature = services.signature_create(
        campaign=campaign, name="Ada", email="a@example.org"
    )
    assert signature is not None
    campaign.state = "closed"
    campaign.save()
    client = Client()
    page = client.post(
        f"/campaigns/s/{services.signature_token(signature)}/",
        {"action": "confirm"},
        follow=True,
    ).content.decode()
    assert "not open for signatures" in page
    signature.refresh_from_db()
    assert signature.state == SignatureState.PENDING
