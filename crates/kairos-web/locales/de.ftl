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
login-first-run = Auf diesem Server gibt es noch keine Organisation. Für eine Demo-Organisation mit Agenten, Kunden und Gesprächen führen Sie auf dem Server aus (die Passwörter der Agenten werden ausgegeben):
login-first-run-own = Oder legen Sie Ihre eigene Organisation und ihren ersten Admin an (das Passwort wird ausgegeben):
login-failed = Anmeldung fehlgeschlagen: Organisation, E-Mail und Passwort passen nicht zusammen. Bitte prüfen Sie die Angaben und versuchen Sie es erneut.
login-throttled = { $count ->
    [one] Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es in einer Minute erneut.
   *[other] Zu viele fehlgeschlagene Anmeldungen. Bitte versuchen Sie es in { $count } Minuten erneut.
}

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

## Chat widget (the frame on company sites) and receipts
widget-title = Chatten Sie mit uns
widget-close = Chat schließen
widget-noscript = Der Chat braucht JavaScript.
widget-not-found = Hier gibt es keinen Chat.
widget-prechat-intro = Bevor es losgeht: Wie dürfen wir Sie ansprechen? Beides ist freiwillig.
widget-name = Ihr Name
widget-email = Ihre E-Mail-Adresse
widget-email-hint = Wenn Sie gehen, bevor wir antworten, kommt die Antwort per E-Mail.
widget-start = Chat beginnen
widget-messages = Nachrichten
widget-agent-typing = Der Kundenservice schreibt…
widget-offline-email = Ihre E-Mail-Adresse für die Antwort
widget-offline-submit = Per E-Mail antworten
widget-message = Ihre Nachricht
widget-placeholder = Nachricht schreiben…
widget-send = Senden
widget-you = Sie
widget-agent = Kundenservice
widget-delivered = Zugestellt
widget-read = Gelesen
widget-online = Wir sind online und antworten sofort.
widget-offline = Gerade ist niemand online. Hinterlassen Sie Ihre Nachricht und Ihre E-Mail-Adresse: Wir antworten per E-Mail.
widget-offline-noted = Gerade ist niemand online; wir antworten per E-Mail.
widget-failed = Die Nachricht konnte nicht gesendet werden. Bitte versuchen Sie es noch einmal.
widget-by-email = per E-Mail gesendet
receipt-read = Der Kunde hat das Gespräch gelesen.
