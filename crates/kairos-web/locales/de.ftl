# Kairos-Weboberfläche, Deutsch.

## Rahmen
skip-to-content = Zum Inhalt springen
nav-label = Hauptmenü
nav-inbox = Posteingang
lang-label = Sprache
sign-out = Abmelden

## Anmeldung
login-title = Anmelden
login-intro = Melden Sie sich am Arbeitsplatz für Agenten an.
login-tenant = Organisation
login-tenant-hint = Der Kurzname Ihrer Organisation in Kairos, z. B. demo.
login-email = E-Mail
login-password = Passwort
login-submit = Anmelden
login-failed = Anmeldung fehlgeschlagen: Organisation, E-Mail und Passwort passen nicht zusammen. Bitte prüfen Sie die Angaben und versuchen Sie es erneut.

## Posteingang
inbox-title = Posteingang
inbox-views = Ansichten
view-mine = Meine
view-unassigned = Nicht zugewiesen
view-all = Alle
inbox-filters = Filter
filter-status = Status
filter-channel = Kanal
filter-any = Alle
filter-apply = Anwenden
inbox-count = { $count ->
    [one] Ein Gespräch
   *[other] { $count } Gespräche
}
inbox-empty = Keine Gespräche in dieser Ansicht.
inbox-older = Ältere Gespräche
no-subject = (kein Betreff)
unknown-customer = (unbekannte Kundin, unbekannter Kunde)
unassigned = Nicht zugewiesen
inbox-shortcuts = Tastatur: j und k bewegen durch die Liste, Eingabe öffnet.

## Codes
status-open = Offen
status-pending = Wartend
status-resolved = Gelöst
status-closed = Geschlossen
priority-low = Niedrig
priority-normal = Normal
priority-high = Hoch
priority-urgent = Dringend
channel-email = E-Mail
channel-chat = Chat
channel-sms = SMS
channel-voice = Anruf
channel-social = Soziale Medien
channel-portal = Portal
channel-api = API
direction-inbound = Von der Kundschaft
direction-outbound = Antwort
direction-note = Interne Notiz
identity-email = E-Mail
identity-phone = Telefon
identity-social = Soziale Medien
identity-device = Gerät

## Gespräch
conv-status = Status
conv-priority = Priorität
conv-assignee = Zuständig
conv-tags = Schlagwörter
conv-tags-hint = Durch Kommas getrennt.
conv-update = Ändern
conv-take = Mir zuweisen
conv-messages = Nachrichten
conv-no-messages = Noch keine Nachrichten.
author-system = Kairos
customer-title = Kunde
customer-tier = Stufe
customer-conversations = Gespräche
customer-profile = Profil
timeline-open = Gespräch öffnen
customer-identities = Kontakt
timeline-title = Verlauf über alle Kanäle
timeline-empty = Sonst noch nichts.
timeline-other = in einem anderen Gespräch
sla-first-response = Erste Antwort
sla-next-response = Nächste Antwort
sla-resolution = Lösung
sla-due = fällig
sla-paused = pausiert
sla-met = erfüllt
sla-stopped = beendet
sla-breached = Verletzt
typing-customer = Die Kundin oder der Kunde schreibt gerade …
typing-colleague = Eine Kollegin oder ein Kollege schreibt gerade …
viewers-others = Eine andere Person aus dem Team hat dieses Gespräch auch gerade offen.
compose-title = Schreiben
compose-kind = Art
compose-reply = Antwort an die Kundschaft
compose-note = Interne Notiz
compose-channel = Kanal
compose-body = Nachricht
compose-send = Senden
compose-shortcut = Tastatur: r schreibt eine Antwort.
compose-closed = Dieses Gespräch ist geschlossen; öffnen Sie es wieder, um zu antworten.
compose-invalid = Die Nachricht wurde nicht gesendet: Sie ist leer oder zu lang.

## Fehler
error-not-found = Nicht gefunden
error-not-found-detail = Diese Seite gibt es nicht, oder Sie dürfen sie nicht sehen.
error-expired = Das Formular ist abgelaufen
error-expired-detail = Zu Ihrer Sicherheit wurde das Formular nicht angenommen. Laden Sie die Seite neu und versuchen Sie es noch einmal.
error-forbidden = Nicht erlaubt
error-forbidden-detail = Ihre Rolle erlaubt das nicht.
error-bad-request = Etwas an der Anfrage stimmte nicht
error-retry = Bitte gehen Sie zurück und versuchen Sie es noch einmal.
error-internal = Bei uns ist etwas schiefgegangen
error-home = Zur Startseite

## Workspace: views, assignee, suggestions
nav-dashboard = Dashboard
view-sla = SLA bald fällig
view-tier = Nach Stufe
filter-tier = Stufe
inbox-sla-hint = Gespräche mit einer SLA-Frist, die innerhalb einer Stunde fällig oder schon überschritten ist, die früheste zuerst.
inbox-tier-hint = Geben Sie eine Service-Stufe ein, um die Gespräche ihrer Kundinnen und Kunden zu sehen.
inbox-due = fällig
conv-assign-to = Zuständig
conv-assign = Zuweisen
suggest-title = Passende Artikel
suggest-none = Kein Artikel passt zu den letzten Nachrichten der Kundin oder des Kunden.
suggest-insert = Link einfügen

## Dashboard
dash-title = Dashboard
dash-zone = Tage werden in { $zone } gezählt.
dash-period = Zeitraum
dash-days = { $count ->
    [one] Letzter Tag
   *[other] Letzte { $count } Tage
}
dash-volume = Neue Gespräche nach Kanal
dash-volume-desc = Gestapelte Balken pro Tag, eine Farbe je Kanal; { $count } neue Gespräche im Zeitraum.
dash-first-response = Erste Antwort gegenüber SLA
dash-resolution = Lösung gegenüber SLA
dash-sla-desc-met = Gestapelte Balken pro Tag: { $count } Fristen eingehalten,
dash-sla-desc-breached = { $count } überschritten.
dash-backlog = Rückstand
dash-backlog-desc = Offene oder wartende Gespräche am Ende jedes Tages; jetzt { $count }.
dash-load = Auslastung
dash-load-desc = { $count ->
    [one] Balken für eine Person: jetzt zugewiesene offene Gespräche und im Zeitraum beantwortete Gespräche.
   *[other] Balken für { $count } Personen: jetzt zugewiesene offene Gespräche und im Zeitraum beantwortete Gespräche.
}
dash-load-open = Offen, jetzt zugewiesen
dash-load-handled = Beantwortet (Zeitraum)
dash-agent = Person
dash-day = Tag
dash-total = Gesamt
dash-met = Eingehalten
dash-breached = Überschritten
dash-median = Median
dash-open = Offen
dash-table = Zahlen als Tabelle zeigen
dash-no-data = Keine Daten in diesem Zeitraum.
dash-definitions = Das Volumen zählt Gespräche nach dem Kanal ihrer ersten Nachricht. Erste Antwort und Lösung: SLA-Fristen nach dem Tag ihres Beginns; Medianzeiten sind Echtzeit ab Eröffnung, nach dem Tag der Antwort oder Lösung. Rückstand: eröffnet und am Ende des Tages noch nicht gelöst oder geschlossen (ein wieder geöffnetes Gespräch zählt ab seiner Eröffnung).
duration-minutes = { $n } Min.
duration-hours = { $n } Std.
duration-days = { $n } Tg.

## Customer: consents, merge
customer-merged-away = Dieser Kunde wurde mit einem anderen zusammengeführt.
customer-survivor = Zusammengeführtes Profil öffnen
consent-title = Einwilligungen
consent-none-granted = Derzeit ist keine Einwilligung erteilt.
consent-granted = Erteilte Zwecke
consent-give = Erteilen
consent-withdraw = Widerrufen
consent-records = Alle Einwilligungsnachweise, neueste zuerst
consent-when = Wann
consent-purpose = Zweck
consent-action = Vorgang
consent-method = Erteilt
consent-notice = Version der Datenschutzhinweise
consent-receipt = Nachweis
consent-receipt-download = Herunterladen
consent-grant = erteilt
consent-withdrawn = widerrufen
consent-record = Einwilligung erfassen
consent-method-phone = am Telefon
consent-method-agent = gegenüber Mitarbeitenden
consent-notice-hint = Die Version der Datenschutzhinweise, die genannt wurde, z. B. 2026-01.
consent-categories = Datenkategorien
consent-categories-hint = Optional, durch Kommas getrennt, z. B. location, contact.
consent-save = Erfassen
consent-done = Der Einwilligungsnachweis wurde gespeichert.
consent-invalid = Die Einwilligung wurde nicht erfasst: Prüfen Sie Zweck, Version der Hinweise (1–64 Zeichen) und Datenkategorien (kleine Wörter mit Bindestrichen).
merge-start = Anderen Kunden hierher zusammenführen
merge-title = Kunden zusammenführen
merge-intro = Kunden suchen, der zusammengeführt wird in
merge-back = Zurück zum Profil
merge-search = Name, E-Mail, Telefon oder Kunden-ID
merge-search-hint = Ein Teil eines Namens oder einer Kennung genügt.
merge-find = Suchen
merge-none = Kein anderer Kunde passt.
merge-pick = Auswählen
merge-confirm-title = Diese Kunden zusammenführen?
merge-confirm-intro = Der erste Kunde wird in den zweiten zusammengeführt: Kennungen, Gespräche und Einwilligungsnachweise ziehen dorthin um, die Verläufe werden eins. Die Zusammenführung wird protokolliert und lässt sich hier nicht rückgängig machen.
merge-other = Wird zusammengeführt
merge-this = Bleibt
merge-back-search = Zurück zur Suche
merge-warning = Prüfen Sie, dass beide dieselbe Person sind.
merge-submit = Zusammenführen
merge-cancel = Abbrechen
merge-done = Die Kunden wurden zusammengeführt: Kennungen, Gespräche und Einwilligungen sind jetzt hier.
