"""Certificates of attendance as PDF (reportlab, no system packages needed)."""

from __future__ import annotations

import io
from datetime import date

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfgen import canvas

from allmende.events.models import Course


def certificate_pdf(
    *, name: str, course: Course, sessions: list[str], day: date
) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.setTitle(_("Certificate of attendance"))
    pdf.setAuthor(settings.SITE_NAME)
    width, height = A4
    pdf.setFont("Helvetica-Bold", 26)
    pdf.drawCentredString(width / 2, height - 5 * cm, _("Certificate of attendance"))
    pdf.setFont("Helvetica", 14)
    pdf.drawCentredString(width / 2, height - 7.5 * cm, name)
    pdf.setFont("Helvetica", 12)
    pdf.drawCentredString(width / 2, height - 8.7 * cm, _("has completed the course"))
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawCentredString(width / 2, height - 10 * cm, course.title)
    pdf.setFont("Helvetica", 11)
    pdf.drawCentredString(
        width / 2,
        height - 11 * cm,
        _("Level: %(level)s") % {"level": course.get_level_display()},
    )
    y = height - 12.5 * cm
    for line in sessions[:20]:
        pdf.drawString(4 * cm, y, f"• {line}")
        y -= 0.6 * cm
    pdf.setFont("Helvetica", 10)
    pdf.drawString(
        3 * cm,
        3 * cm,
        f"{settings.SITE_NAME}, {formats.date_format(day, 'DATE_FORMAT')}",
    )
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
