from django.urls import path

from allmende.campaigns import embed, views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("s/<str:token>/", views.signature_by_token, name="signature"),
    path("consent-proof/", views.consent_proof, name="consent_proof_all"),
    path("<slug:slug>/", views.campaign_detail, name="detail"),
    path("<slug:slug>/edit/", views.campaign_edit, name="edit"),
    path("<slug:slug>/status/", views.campaign_transition, name="transition"),
    path("<slug:slug>/demands/", views.demand_add, name="demand_add"),
    path(
        "<slug:slug>/demands/<int:pk>/delete/",
        views.demand_delete,
        name="demand_delete",
    ),
    path("<slug:slug>/sign/", views.sign, name="sign"),
    path(
        "<slug:slug>/signatures.<str:fmt>",
        views.signatures_export,
        name="signatures_export",
    ),
    path("<slug:slug>/consent-proof/", views.consent_proof, name="consent_proof"),
    # The only pages other sites may frame.
    path("<slug:slug>/embed/", embed.widget, name="embed"),
    path("<slug:slug>/embed/sign/", embed.widget_sign, name="embed_sign"),
    path(
        "<slug:slug>/embed/check-mail/",
        embed.widget_check_mail,
        name="embed_check_mail",
    ),
    path("<slug:slug>/check-mail/", views.check_mail, name="check_mail"),
    path(
        "<slug:slug>/organizations/<int:organization>/sign/",
        views.organization_sign,
        name="organization_sign",
    ),
    path(
        "<slug:slug>/co-signatures/<int:pk>/confirm/",
        views.organization_confirm,
        name="organization_confirm",
    ),
    path(
        "<slug:slug>/co-signatures/<int:pk>/withdraw/",
        views.organization_withdraw,
        name="organization_withdraw",
    ),
]
