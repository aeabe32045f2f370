"""Who may do what with the legal pages: everyone reads, staff edit."""

from __future__ import annotations

import rules

from allmende.organizations.rules import is_staff

rules.add_perm("legal.change_legaltext", is_staff)
rules.add_perm("legal.view_accessibilityfeedback", is_staff)
