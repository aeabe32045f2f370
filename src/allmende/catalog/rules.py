"""Who may do what in the catalog.

Views, templates, services and the API ask
``user.has_perm("catalog.<permission>", obj)``; the answers are decided here.
``obj`` is a dataset, except for ``add_dataset`` which takes the organization.

A published, public dataset is open to everyone. Drafts and private datasets
are visible to the members of the owning organization and to staff only.
Members edit, upload and publish; deleting a dataset is for the organization's
administrators and staff.
"""

from __future__ import annotations

import rules

from allmende.catalog.models import Dataset
from allmende.organizations.models import Organization
from allmende.organizations.rules import User, is_staff
from allmende.organizations.rules import is_admin as is_org_admin
from allmende.organizations.rules import is_member as is_org_member


def _organization(obj: Dataset | Organization | None) -> Organization | None:
    if isinstance(obj, Dataset):
        return obj.organization
    return obj


@rules.predicate
def is_member(user: User, obj: Dataset | Organization | None) -> bool:
    return bool(is_org_member(user, _organization(obj)))


@rules.predicate
def is_admin(user: User, obj: Dataset | Organization | None) -> bool:
    return bool(is_org_admin(user, _organization(obj)))


@rules.predicate
def is_public(user: User, dataset: Dataset | None) -> bool:
    return bool(
        dataset is not None
        and dataset.status == Dataset.Status.PUBLISHED
        and not dataset.is_private
    )


can_edit = is_member | is_staff

rules.add_perm("catalog.add_dataset", can_edit)
rules.add_perm("catalog.view_dataset", is_public | can_edit)
rules.add_perm("catalog.change_dataset", can_edit)
rules.add_perm("catalog.publish_dataset", can_edit)
rules.add_perm("catalog.delete_dataset", is_admin | is_staff)
