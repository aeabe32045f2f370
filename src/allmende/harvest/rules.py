"""Who may do what with harvesting: staff configure sources and start runs."""

from __future__ import annotations

import rules

from allmende.organizations.rules import is_staff

rules.add_perm("harvest.manage_sources", is_staff)
