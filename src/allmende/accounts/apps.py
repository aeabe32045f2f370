from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "allmende.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from allmende.accounts import sections
        from allmende.accounts.services import account_language_remember

        user_logged_in.connect(
            account_language_remember,
            dispatch_uid="allmende.accounts.account_language_remember",
        )
        from allmende.core.modules import register

        register(sections.MODULE)

        from allmende.accounts.models import User
        from allmende.accounts.selectors import person_list
        from allmende.core import search

        search.register(
            search.SearchType(
                key="person",
                label=_("People"),
                model=User,
                visible=lambda viewer: person_list(viewer=viewer),
                order=40,
            )
        )
