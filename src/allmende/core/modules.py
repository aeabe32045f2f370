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

A start section that many visitors see alike names who shares it
(``start_section_audience(request)``: ``"everyone"``, or for example one name
for all visitors who are not logged in); its rendered HTML is then kept in the
cache for that audience and language for up to ``START_SECTION_SECONDS``, and
dropped at once when one of the module's ``start_section_models`` is saved or
deleted or the module calls :func:`start_section_changed`. Such a section's
template sees only its own context (no request, no user), so nothing personal
can end up in what others are shown.

The order follows the navigation the programme wants: knowledge 10, events 20
(academy 25), data 30, calls 40, help 50, campaigns 60, organizations 70,
people 80.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import get_random_string
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

    An ``urgent`` section asks the person to act and comes first. ``html`` is
    the section already rendered (from the cache of shared start sections).
    """

    title: str | Promise
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    urgent: bool = False
    html: str = ""


SectionHook = Callable[["HttpRequest"], Section | None]
AudienceHook = Callable[["HttpRequest"], str | None]


def _everyone(user: Viewer) -> bool:
    return True


def everyone(request: HttpRequest) -> str:
    """The audience of a start section that is the same for every visitor."""
    return "everyone"


@dataclass(frozen=True)
class Module:
    """A module's entry.

    ``key`` names it uniquely, ``label`` is shown in the navigation and links to
    ``url_name`` (empty for a module without a page of its own), ``icon`` is the
    name of an icon of the sprite, ``order`` places it among the others and
    ``visible(user)`` says who sees it. ``start_section_audience`` and
    ``start_section_models`` let the start section be cached (see the module's
    documentation).
    """

    key: str
    label: str | Promise
    url_name: str
    icon: str
    order: int
    visible: Callable[[Viewer], bool] = _everyone
    start_section: SectionHook | None = None
    start_section_audience: AudienceHook | None = None
    start_section_models: tuple[type[Model], ...] = ()
    dashboard: SectionHook | None = None


_modules: dict[str, Module] = {}


def register(module: Module) -> None:
    """Add or replace (same ``key``) a module; call it in ``AppConfig.ready()``."""
    _modules[module.key] = module
    for model in module.start_section_models:
        uid = f"start-section:{module.key}:{model._meta.label}"
        post_save.connect(
            _model_changed(module.key), model, weak=False, dispatch_uid=uid
        )
        post_delete.connect(
            _model_changed(module.key), model, weak=False, dispatch_uid=uid
        )


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


# How long a shared start section may be shown from the cache at most: the
# sections also change with time (an event starts, registration closes).
START_SECTION_SECONDS = 60


def _version_key(module_key: str) -> str:
    return f"start-section-version:{module_key}"


def start_section_changed(module_key: str) -> None:
    """Drop the cached start sections of the module ``module_key``.

    Called when something the section shows has changed; again after the
    transaction commits, so a request that read the old rows in the meantime
    does not keep them in the cache.
    """

    def drop() -> None:
        cache.set(_version_key(module_key), get_random_string(12), None)

    drop()
    transaction.on_commit(drop)


def _model_changed(module_key: str) -> Callable[..., None]:
    def receiver(**kwargs: Any) -> None:
        start_section_changed(module_key)

    return receiver


def start_sections(request: HttpRequest) -> list[Section]:
    """The sections of the start page, one per module that supplies one.

    Shared sections come from the cache (two cache reads for all of them).
    """
    hooks = [
        (module, module.start_section)
        for module in modules_for(request.user)
        if module.start_section is not None
    ]
    audiences = {
        module.key: module.start_section_audience(request)
        for module, _ in hooks
        if module.start_section_audience is not None
    }
    shared = [key for key, audience in audiences.items() if audience is not None]
    versions = cache.get_many([_version_key(key) for key in shared])
    language = translation.get_language()
    keys = {
        key: (
            f"start-section:{key}:{language}:{audiences[key]}:"
            f"{versions.get(_version_key(key), '')}"
        )
        for key in shared
    }
    cached = cache.get_many(list(keys.values())) if keys else {}
    sections: list[Section] = []
    for module, supply in hooks:
        key = keys.get(module.key)
        if key is not None and key in cached:
            section = cached[key]
        else:
            section = supply(request)
            if key is not None:
                section = _rendered(section)
                cache.set(key, section, START_SECTION_SECONDS)
        if section is not None:
            sections.append(section)
    return sections


def _rendered(section: Section | None) -> Section | None:
    """``section`` with its HTML, rendered from its own context alone."""
    if section is None:
        return None
    html = render_to_string(section.template, {**section.context, "section": section})
    return Section(
        title=str(section.title),
        template=section.template,
        urgent=section.urgent,
        html=html,
    )


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
