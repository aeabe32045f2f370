"""Personal data in the catalog: what a person created or uploaded."""

from __future__ import annotations

from typing import Any

from allmende.accounts.models import User
from allmende.catalog.models import Dataset, ResourceVersion


def export_personal_data(*, user: User) -> dict[str, Any]:
    return {
        "datasets_created": [
            {"title": d.title, "slug": d.slug, "created_at": d.created_at.isoformat()}
            for d in Dataset.objects.filter(created_by=user).order_by("created_at")
        ],
        "files_uploaded": [
            {
                "dataset": v.resource.dataset.title,
                "file": v.filename,
                "version": v.number,
                "uploaded_at": v.created_at.isoformat(),
            }
            for v in ResourceVersion.objects.filter(created_by=user)
            .select_related("resource__dataset")
            .order_by("created_at")
        ],
    }
