"""``allmende runserver``: Django's development server, saying where mail goes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.runserver_nostatic.management.commands.runserver import (  # type: ignore[import-untyped]
    Command as StaticlessRunserver,
)


def mail_destination() -> str:
    """One line for the terminal: where the platform's e-mails end up."""
    backend = str(settings.ALLMENDE_EMAIL_DELIVERY_BACKEND)
    if backend == "allmende.core.mail.ConsoleAndFileBackend":
        return (
            "E-mails are not sent: they are printed here and kept in "
            f"{settings.EMAIL_FILE_PATH}/."
        )
    if backend.endswith("smtp.EmailBackend"):
        return f"E-mails are sent through {settings.EMAIL_HOST}:{settings.EMAIL_PORT}."
    return f"E-mails go to {backend}."


class Command(StaticlessRunserver):
    def on_bind(self, server_port: Any) -> None:
        super().on_bind(server_port)
        self.stdout.write(mail_destination())
        self.stdout.write("Stop the server with Ctrl+C.")
