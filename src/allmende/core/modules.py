"""The registry of modules: what each app adds to the navigation, the start page
and the dashboard.

Each app registers its :class:`Module` in its ``AppConfig.ready()``; a module
that is not installed is simply absent. ``start_section(request)`` and
``dashboard(request)`` return a :class:`Section` (or ``None`` when there is
nothing to show) whose template is rendered with the section's context. A
section runs a fixed number of queries however much data there is.

Apps that give staff a queue (for example organizations waiting for
verification) register a :class:`Module` whose ``visible`` admits only staff
and whose ``dashboard`` returns the queue; ``url_name`` may then be empty so the
module adds nothing to the navigation.

The order follows the navigation the programme wants: knowledge 10, events 20
(academy 25), data 30, calls 40, help 50, campaigns 60, organizations 70,
people 80.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    Viewer = AbstractBaseUser | AnonymousUser


@dataclass(frozen=True)
class Section:
    """One block of the start page or dashboard, rendered from ``template``
    with ``context`` (and ``section`` itself).

    An ``urgent`` section asks the person to act and comes first.
    """

    title: str | Promise
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    urgent: bool = False


SectionHook = Callable[["HttpRequest"], Section | None]


def _everyone(user: Viewer) -> bool:
    return True


@dataclass(frozen=True)
class Module:
    """A module's entry.

    ``key`` names it uniquely, ``label`` is shown in the navigation and links to
    ``url_name`` (empty for a module without a page of its own), ``icon`` is the
    name of an icon of the sprite, ``order`` places it among the others and
    ``visible(user)`` says who sees it.
    """

    key: str
    label: str | Promise
    url_name: str
    icon: str
    order: int
    visible: Callable[[Viewer], bool] = _everyone
    start_section: SectionHook | None = None
    dashboard: SectionHook | None = None


_modules: dict[str, Module] = {}


def register(module: Module) -> None:
    """Add or replace (same ``key``) a module; call it in ``AppConfig.ready()``."""
    _modules[module.key] = module


def unregister(key: str) -> None:
    _modules.pop(key, None)


def all_modules() -> list[Module]:
    return sorted(_modules.values(), key=lambda module: (module.order, module.key))


def modules_for(user: Viewer) -> list[Module]:
    """The modules ``user`` sees, in their order."""
    return [module for module in all_modules() if module.visible(user)]


def navigation_for(user: Viewer) -> list[Module]:
    """The modules with a page of their own that ``user`` sees."""
    return [module for module in modules_for(user) if module.url_name]


def _sections(request: HttpRequest, hook: str) -> list[Section]:
    sections: list[Section] = []
    for module in modules_for(request.user):
        supply: SectionHook | None = getattr(module, hook)
        if supply is None:
            continue
        section = supply(request)
        if section is not None:
            sections.append(section)
    return sections


def start_sections(request: HttpRequest) -> list[Section]:
    """The sections of the start page, one per module that supplies one."""
    return _sections(request, "start_section")


def dashboard_sections(request: HttpRequest) -> list[Section]:
    """The sections of ``request.user``'s dashboard, staff queues included;
    the urgent ones first."""
    sections = _sections(request, "dashboard")
    return sorted(sections, key=lambda section: not section.urgent)


@dataclass(frozen=True)
class NavigationLink:
    module: Module
    url: str
    current: bool


def navigation_links(request: HttpRequest) -> list[NavigationLink]:
    """The navigation for ``request``; the module whose address is the
    longest prefix of the requested path is the current one."""
    modules = navigation_for(request.user)
    urls = [reverse(module.url_name) for module in modules]
    matching = [url for url in urls if request.path.startswith(url) and url != "/"]
    current = max(matching, key=len, default=None)
    return [
        NavigationLink(module=module, url=url, current=url == current)
        for module, url in zip(modules, urls, strict=True)
    ]
