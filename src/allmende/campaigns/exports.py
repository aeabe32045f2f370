"""Signature lists and proofs of consent as files.

Only what signers agreed to give leaves the platform: confirmed signatures,
never pending or withdrawn ones, never the IP hash, the link secret or the
language. Staff get the e-mail address (for requests about one's data); the
organization running the campaign gets names, postcodes and dates only,
since it has no need to write to the signers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from allmende.campaigns.models import Campaign, Signature, SignatureState
from allmende.core.spreadsheets import safe_row


def _time(moment: datetime | None) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def signature_rows(
    signatures: Sequence[Signature], *, with_email: bool
) -> list[list[Any]]:
    header = [_("Name")]
    if with_email:
        header.append(_("E-mail address"))
    header += [
        _("Postcode"),
        _("Name shown publicly"),
        _("Signed at"),
        _("Confirmed at"),
        _("Consent text version"),
    ]
    rows: list[list[Any]] = [safe_row(header)]
    for signature in signatures:
        row: list[Any] = [signature.name]
        if with_email:
            row.append(signature.email)
        row += [
            signature.postcode,
            _("yes") if signature.name_public else _("no"),
            _time(signature.signed_at),
            _time(signature.confirmed_at),
            signature.consent_version,
        ]
        rows.append(safe_row(row))
    return rows


def rows_csv(rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    # With a byte-order mark, spreadsheet programs read the file as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def rows_xlsx(rows: list[list[Any]], title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = title[:31]
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class ConsentRecord:
    """One signature of one address, with the consent text it was given under."""

    campaign: Campaign
    signature: Signature
    consent_de: str
    consent_en: str

    def as_dict(self) -> dict[str, Any]:
        signature = self.signature
        return {
            "campaign": self.campaign.title_de,
            "campaign_en": self.campaign.title_en,
            "address": self.campaign.get_absolute_url(),
            "name": signature.name,
            "email": signature.email,
            "postcode": signature.postcode,
            "name_public": signature.name_public,
            "state": signature.state,
            "state_label": str(SignatureState(signature.state).label),
            "signed_at": _time(signature.signed_at),
            "confirmed_at": _time(signature.confirmed_at),
            "withdrawn_at": _time(signature.withdrawn_at),
            "consent_version": signature.consent_version,
            "consent_text_de": self.consent_de,
            "consent_text_en": self.consent_en,
            "ip_hash": signature.ip_hash,
        }


def consent_proof_json(email: str, records: Sequence[ConsentRecord]) -> bytes:
    document = {
        "email": email,
        "created_at": _time(timezone.now()),
        "signatures": [record.as_dict() for record in records],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
