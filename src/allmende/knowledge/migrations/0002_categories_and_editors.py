"""The tool categories the directory starts with, and the group of trusted
editors (staff add people to it in the admin)."""

from django.db import migrations

CATEGORIES = [
    ("videokonferenzen", "Videokonferenzen", "Video conferencing"),
    ("chat", "Chat und Messenger", "Chat and messaging"),
    ("gemeinsame-dokumente", "Gemeinsame Dokumente", "Shared documents"),
    ("cloud-speicher", "Cloud-Speicher", "Cloud storage"),
    ("umfragen", "Umfragen", "Surveys"),
    ("newsletter", "Newsletter", "Newsletters"),
    ("mitgliederverwaltung", "Mitgliederverwaltung", "Membership management"),
    ("buchhaltung", "Buchhaltung", "Accounting"),
    ("website", "Website", "Website"),
    ("datenanalyse", "Datenanalyse", "Data analysis"),
    ("karten", "Karten", "Maps"),
    ("projektmanagement", "Projektmanagement", "Project management"),
    ("passwoerter", "Passwortverwaltung", "Password management"),
    ("beteiligung", "Beteiligung und Abstimmungen", "Participation and voting"),
]
EDITOR_GROUP = "Knowledge editors"


def seed(apps, schema_editor):
    Category = apps.get_model("knowledge", "Category")
    for slug, name_de, name_en in CATEGORIES:
        Category.objects.get_or_create(
            slug=slug, defaults={"name_de": name_de, "name_en": name_en}
        )
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=EDITOR_GROUP)


def unseed(apps, schema_editor):
    Category = apps.get_model("knowledge", "Category")
    Category.objects.filter(
        slug__in=[slug for slug, _de, _en in CATEGORIES], tools__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_tools"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
