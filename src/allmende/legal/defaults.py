"""Template texts of the legal pages, shown until staff save their own.

They are a starting point, not legal advice: every ``[…]`` is a gap the
operator fills in, and the first paragraph says so to every reader until the
text is replaced. ``allmende demo`` stores them as the first version.
"""

from __future__ import annotations

from allmende.legal.models import LegalPage

TEMPLATE_NOTE_DE = (
    "> **Vorlage:** Dieser Text ist ein Muster, das der Betreiber dieser "
    "Plattform durch seinen eigenen, geprüften Text ersetzen muss. Alle Angaben "
    "in eckigen Klammern sind Platzhalter.\n\n"
)
TEMPLATE_NOTE_EN = (
    "> **Template:** this text is a sample that the operator of this platform "
    "must replace with their own, checked text. Everything in square brackets is "
    "a placeholder.\n\n"
)

IMPRINT_DE = """## Angaben gemäß § 5 Digitale-Dienste-Gesetz (DDG)

[Name des Trägers, z. B. Verein oder Stiftung],
[Straße und Hausnummer], [Postleitzahl und Ort]

**Vertreten durch:** [Vorstand oder Geschäftsführung]

## Kontakt

- Telefon: [Telefonnummer]
- E-Mail: [E-Mail-Adresse]

## Registereintrag

Eingetragen im [Vereinsregister/Handelsregister] des Amtsgerichts [Ort]
unter der Nummer [Registernummer].

## Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV

[Name, Anschrift wie oben]

## Haftung für Inhalte von Organisationen

Organisationen und Personen veröffentlichen auf dieser Plattform eigene
Inhalte. Für diese Inhalte sind sie selbst verantwortlich. Wenn Sie einen
rechtswidrigen Inhalt bemerken, schreiben Sie uns bitte an [E-Mail-Adresse].
"""

IMPRINT_EN = """## Information according to § 5 of the German Digital Services Act (DDG)

[Name of the operator, e.g. association or foundation],
[street and number], [postal code and city]

**Represented by:** [board or management]

## Contact

- Phone: [phone number]
- E-mail: [e-mail address]

## Register entry

Registered in the [register of associations/commercial register] of the local
court of [city] under number [register number].

## Responsible for the content according to § 18 (2) MStV

[Name, address as above]

## Content of organizations

Organizations and people publish their own content on this platform and are
responsible for it. If you notice unlawful content, please write to us at
[e-mail address].
"""

PRIVACY_DE = """## Verantwortliche Stelle

[Name des Trägers], [Anschrift], E-Mail: [E-Mail-Adresse].
Datenschutzbeauftragte Person: [Name und Kontakt, falls benannt].

## Welche Daten wir verarbeiten und warum

- **Konto:** Benutzername, E-Mail-Adresse und Passwort (nur als Hash), damit
  Sie sich anmelden können (Art. 6 Abs. 1 lit. b DSGVO).
- **Profil:** was Sie selbst angeben (Name, Beschreibung, Fähigkeiten,
  Interessen). Wer Ihr Profil sieht, entscheiden Sie in den Einstellungen.
- **Organisationen, Veranstaltungen und Daten:** Mitgliedschaften,
  Anmeldungen zu Veranstaltungen und die Datensätze, die Sie veröffentlichen.
- **Protokoll:** Änderungen an Inhalten werden mit Zeit und Person
  festgehalten, damit nachvollziehbar bleibt, wer was geändert hat
  (Art. 6 Abs. 1 lit. f DSGVO).
- **Server:** IP-Adressen werden kurzzeitig verarbeitet, um Missbrauch
  (z. B. massenhaften E-Mail-Versand) zu begrenzen.

## Cookies

Wir setzen nur technisch notwendige Cookies: für die Anmeldung (Sitzung),
den Schutz von Formularen (CSRF) und die gewählte Sprache. Es gibt kein
Tracking und keine Inhalte von anderen Servern.

## Empfänger

Ihre Daten werden nicht verkauft und nicht an Dritte weitergegeben.
Technische Dienstleister: [Hosting-Anbieter, E-Mail-Versand –
Auftragsverarbeitung nach Art. 28 DSGVO].

## Speicherdauer

Ihre Daten bleiben gespeichert, bis Sie Ihr Konto löschen. Das können Sie
jederzeit selbst in Ihrem Profil tun; dort können Sie auch alle Ihre Daten
herunterladen.

## Ihre Rechte

Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der
Verarbeitung, Datenübertragbarkeit und Widerspruch (Art. 15–21 DSGVO) sowie
das Recht auf Beschwerde bei einer Datenschutz-Aufsichtsbehörde, z. B.
[zuständige Aufsichtsbehörde].
"""

PRIVACY_EN = """## Controller

[Name of the operator], [address], e-mail: [e-mail address].
Data protection officer: [name and contact, if appointed].

## What data we process and why

- **Account:** user name, e-mail address and password (only as a hash), so
  that you can log in (Art. 6 (1) (b) GDPR).
- **Profile:** what you enter yourself (name, description, skills,
  interests). You decide in your settings who sees your profile.
- **Organizations, events and data:** memberships, registrations for events
  and the datasets you publish.
- **Log:** changes to content are recorded with the time and the person, so
  that it stays clear who changed what (Art. 6 (1) (f) GDPR).
- **Server:** IP addresses are processed briefly to limit abuse (for example
  mass sending of e-mails).

## Cookies

We only set cookies that are technically necessary: for logging in (session),
protecting forms (CSRF) and the language you chose. There is no tracking and
no content from other servers.

## Recipients

Your data is not sold or passed on to third parties. Technical service
providers: [hosting provider, e-mail delivery – processing on our behalf
according to Art. 28 GDPR].

## How long we keep data

Your data is kept until you delete your account. You can do that yourself at
any time in your profile, where you can also download all your data.

## Your rights

You have the right of access, rectification, erasure, restriction of
processing, data portability and objection (Art. 15–21 GDPR), and the right to
lodge a complaint with a data protection supervisory authority, for example
[competent authority].
"""

ACCESSIBILITY_DE = """[Name des Trägers] ist bemüht, diese Plattform im Einklang mit der
Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) barrierefrei
zugänglich zu machen.

## Stand der Vereinbarkeit mit den Anforderungen

Diese Plattform ist **teilweise** mit der BITV 2.0 vereinbar. Die Seiten
werden regelmäßig automatisch mit axe-core geprüft.

## Nicht barrierefreie Inhalte

- Dokumente und Datensätze, die Organisationen hochladen, sind nicht immer
  barrierefrei.
- Karten sind nur eingeschränkt mit der Tastatur bedienbar; alle Orte stehen
  zusätzlich in einer Liste.
- [Weitere bekannte Barrieren]

## Erstellung dieser Erklärung

Diese Erklärung wurde am [Datum] erstellt. Grundlage ist eine
[Selbstbewertung/Prüfung durch …].

## Feedback und Kontakt

Sind Ihnen Mängel beim barrierefreien Zugang zu Inhalten aufgefallen? Dann
schreiben Sie uns über das Formular auf dieser Seite oder an
[E-Mail-Adresse]. Wir antworten innerhalb von [Frist].

## Schlichtungsverfahren

Wenn Sie auf Ihre Rückmeldung keine zufriedenstellende Antwort erhalten,
können Sie ein Schlichtungsverfahren bei der [Schlichtungsstelle nach § 16
BGG oder der zuständigen Stelle Ihres Landes, mit Anschrift und Website]
beantragen.
"""

ACCESSIBILITY_EN = """[Name of the operator] strives to make this platform accessible in
accordance with the German Barrier-Free Information Technology Ordinance
(BITV 2.0).

## Compliance status

This platform is **partially** compliant with BITV 2.0. The pages are tested
automatically with axe-core.

## Content that is not accessible

- Documents and datasets uploaded by organizations are not always
  accessible.
- Maps can only partly be used with a keyboard; all places are also shown in
  a list.
- [Other known barriers]

## Preparation of this statement

This statement was prepared on [date]. It is based on a
[self-assessment/test by …].

## Feedback and contact

Have you noticed barriers when using this platform? Please write to us with
the form on this page or to [e-mail address]. We answer within [period].

## Enforcement procedure

If you do not receive a satisfactory answer to your feedback, you can apply
for a conciliation procedure with the [conciliation body according to § 16
BGG or the competent body of your federal state, with address and website].
"""

DEFAULT_TEXTS: dict[str, tuple[str, str]] = {
    LegalPage.IMPRINT: (TEMPLATE_NOTE_DE + IMPRINT_DE, TEMPLATE_NOTE_EN + IMPRINT_EN),
    LegalPage.PRIVACY: (TEMPLATE_NOTE_DE + PRIVACY_DE, TEMPLATE_NOTE_EN + PRIVACY_EN),
    LegalPage.ACCESSIBILITY: (
        TEMPLATE_NOTE_DE + ACCESSIBILITY_DE,
        TEMPLATE_NOTE_EN + ACCESSIBILITY_EN,
    ),
}
