from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    name = "allmende.legal"
    label = "legal"
    verbose_name = _("Legal pages")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from allmende.legal.services import privacy_notice_check_at_login

        user_logged_in.connect(
            privacy_notice_check_at_login,
            dispatch_uid="allmende.legal.privacy_notice_check_at_login",
        )
