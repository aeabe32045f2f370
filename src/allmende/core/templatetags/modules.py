"""Rendering what the modules of :mod:`allmende.core.modules` supply."""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from allmende.core.modules import Section

register = template.Library()


@register.simple_tag(takes_context=True)
def render_section(context: Context, section: Section) -> SafeString:
    """Render ``section``'s template with the page's context, the section's own
    context and ``section``; a section rendered already as it is."""
    if section.html:
        return mark_safe(section.html)  # noqa: S308 (rendered by a template)
    if context.template is None:
        raise template.TemplateSyntaxError("render_section needs a template")
    compiled = context.template.engine.get_template(section.template)
    with context.push(section=section, **section.context):
        return compiled.render(context)
