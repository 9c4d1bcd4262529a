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
compose-files = Dateien
compose-files-hint = Bis zu 10 Dateien mit höchstens 25 MB: PDF, Bilder, Videos, Text, Office-Dokumente.
compose-files-failed = Die Dateien konnten nicht hochgeladen werden; die Nachricht wurde nicht gesendet.
compose-send = Senden
compose-shortcut = Tastatur: r schreibt eine Antwort.
compose-closed = Dieses Gespräch ist geschlossen; öffnen Sie es wieder, um zu antworten.
compose-invalid = Die Nachricht wurde nicht gesendet: Sie ist leer oder zu lang.

## Verwaltung
nav-admin = Verwaltung
admin-title = Verwaltung
admin-nav = Bereiche der Verwaltung
admin-settings = Einstellungen
admin-staff = Team und Rollen
admin-channels = Kanäle
admin-sla = SLA und Geschäftszeiten
admin-canned = Textbausteine
admin-saved = Gespeichert.
admin-edit = Bearbeiten
admin-delete = Löschen
admin-save = Speichern
admin-cancel = Abbrechen
admin-add = Hinzufügen
admin-none = Noch nichts vorhanden.
admin-invalid = Nicht gespeichert:
admin-conflict = Nicht möglich:
admin-org-name = Anzeigename
admin-overview = Überblick
admin-api-only = Einstellungen ohne eigene Seite
admin-api-only-hint = Diese werden über die API gesetzt (siehe die API-Dokumentation unter /api/docs):
admin-routing = Routing
admin-privacy = Datenschutz und Aufbewahrung
admin-org = Organisation
admin-org-name-hint = Für Ihr Team und für Kundinnen und Kunden sichtbar: im Portal, im Chat-Widget und im Platzhalter {"{{"}tenant.name{"}}"} der Textbausteine.
admin-org-slug = Kurzname für die Anmeldung
admin-org-slug-hint = Der Kurzname dient der Anmeldung und steht in den Adressen von Portal und Chat-Widget; er lässt sich daher nicht ändern.
admin-count-queues = { $count ->
    [one] Eine Routing-Warteschlange
   *[other] { $count } Routing-Warteschlangen
}
admin-count-purposes = { $count ->
    [one] Ein Einwilligungszweck
   *[other] { $count } Einwilligungszwecke
}
routing-assignment = Automatische Zuweisung
routing-assignment-hint = Eingeschaltet gibt Kairos jedes offene, nicht zugewiesene Gespräch einer verfügbaren Person mit den Fähigkeiten der Warteschlange und freier Kapazität, die am wenigsten ausgelastete zuerst. Ausgeschaltet nehmen sich die Agentinnen und Agenten Gespräche aus dem Posteingang. Eine manuelle Zuweisung hat immer Vorrang.
routing-enabled = Gespräche automatisch zuweisen
routing-queues = Warteschlangen
routing-queues-hint = Die erste Warteschlange, deren Kanäle und Schlagwörter passen, übernimmt ein Gespräch (leer: alle). Zuständige brauchen alle ihre Fähigkeiten; ein Gespräch, zu dem keine Warteschlange passt, kann an jede verfügbare Person gehen. Fähigkeiten und Kapazität werden je Person über die API gesetzt (PUT /api/v1/agents/{"{"}id{"}"}/profile).
routing-queue-new = Neue Warteschlange
routing-queue-edit = Warteschlange bearbeiten
routing-queue-name = Name
routing-channels = Kanäle
routing-channels-legend = Kanäle, die sie übernimmt (keiner angekreuzt: alle)
routing-tags = Schlagwörter
routing-tags-hint = Durch Kommas getrennt, wie an Gesprächen; leer: alle.
routing-skills = Nötige Fähigkeiten
routing-skills-hint = Durch Kommas getrennte Wörter aus Buchstaben, Ziffern, - und _; leer: keine.
routing-any = alle
routing-up = Nach oben
privacy-consent = Einwilligung
privacy-purposes = Zwecke, für die um Einwilligung gebeten wird
privacy-purposes-hint = Einer pro Zeile: a-z, 0-9 und -, höchstens 50.
privacy-controller = Verantwortlicher auf Einwilligungsbelegen
privacy-controller-hint = Alle Felder leer lassen, um keinen zu nennen (die Belege sagen dann, dass er nicht eingerichtet ist); sonst alle ausfüllen.
privacy-controller-name = Name (juristisch)
privacy-controller-email = Kontakt-E-Mail für Datenschutzfragen
privacy-controller-address = Postanschrift
privacy-controller-policy = Adresse der Datenschutzerklärung
privacy-controller-jurisdiction = Rechtsraum (z. B. DE)
retention-title = Aufbewahrung
retention-hint = Wie lange Daten aufbewahrt werden. Eine kürzere Frist löscht ältere Daten beim nächsten stündlichen Durchlauf endgültig; jede Löschung steht im Protokoll.
retention-conversations = Gelöste und geschlossene Gespräche (Tage nach der letzten Änderung)
retention-context = Kontextereignisse (Tage nach ihrem Eintreten)
retention-customers = Inaktive Kundinnen und Kunden (Tage ohne Gespräch oder Änderung einer Einwilligung)
retention-days-hint = Ganze Tage, 1 bis 36500; leer: aufbewahren, bis gelöscht wird.
admin-count-staff = { $count ->
    [one] Ein aktives Teammitglied
   *[other] { $count } aktive Teammitglieder
}
admin-count-channels = { $count ->
    [one] Ein Kanal (Adressen, Postfächer, Anbieter)
   *[other] { $count } Kanäle (Adressen, Postfächer, Anbieter)
}
admin-count-policies = { $count ->
    [one] Eine SLA-Richtlinie
   *[other] { $count } SLA-Richtlinien
}
admin-count-canned = { $count ->
    [one] Ein Textbaustein
   *[other] { $count } Textbausteine
}
canned-none = Noch keine Textbausteine.
canned-new = Neuer Textbaustein
canned-edit = Textbaustein bearbeiten
canned-title = Titel
canned-body = Text
canned-placeholders = Platzhalter, für das Gespräch ausgefüllt:
canned-pick = Textbaustein
canned-insert = Einfügen
staff-you = Sie
staff-deactivated = Deaktiviert
staff-role = Rolle
staff-change-role = Rolle ändern
staff-deactivate = Deaktivieren
staff-change-hint = Eine Rollenänderung oder Deaktivierung meldet die Person sofort überall ab. Ein deaktiviertes Konto kann sich nicht anmelden; sein Name bleibt an dem, was es getan hat.
staff-new = Neues Teamkonto
staff-name = Name
staff-password = Erstes Passwort
staff-password-hint = 12 bis 1024 Zeichen. Persönlich übergeben; es wird nie wieder angezeigt.
staff-create = Konto anlegen
invite-title = Ihre Einladung
invite-join = Willkommen bei { $tenant }
invite-hello = Guten Tag { $name }, wählen Sie ein Passwort für Ihr Mitarbeiterkonto.
invite-password = Passwort
invite-password-hint = 12 bis 1024 Zeichen; ein langer Satz ist am besten.
invite-accept = Passwort festlegen und anmelden
invite-password-refused = Dieses Passwort geht nicht:
invite-gone-title = Dieser Einladungslink funktioniert nicht
invite-gone-unknown = Der Link ist ungültig. Prüfen Sie, ob er vollständig kopiert wurde, oder bitten Sie eine Administratorin um eine neue Einladung.
invite-gone-expired = Die Einladung ist abgelaufen. Bitten Sie eine Administratorin, sie erneut zu senden.
invite-gone-used = Die Einladung wurde bereits angenommen. Melden Sie sich mit Ihrer E-Mail-Adresse und Ihrem Passwort an.
invite-gone-revoked = Die Einladung wurde zurückgezogen. Fragen Sie eine Administratorin, wenn Sie das für einen Fehler halten.
invite-gone-throttled = Aus Ihrem Netz kamen zu viele ungültige Einladungslinks. Bitte warten Sie einige Minuten und versuchen Sie es dann erneut.
invite-to-login = Zur Anmeldung
invite-pending = Offene Einladungen
invite-none = Keine offenen Einladungen.
invite-until = Link gilt bis
invite-expired = Abgelaufen
invite-resend = Erneut senden
invite-revoke = Zurückziehen
invite-new = Per E-Mail einladen
invite-hint = Die Person erhält eine E-Mail mit einem Link, der einmal und { $hours } Stunden lang gilt, und wählt dort ihr Passwort selbst. Die Mail geht von der Support-Adresse der Organisation aus.
invite-send = Einladung senden
invite-sent = Einladung gesendet.
invite-mail-subject = Ihre Einladung zu { $tenant }
invite-mail-hello = Guten Tag { $name },
invite-mail-intro = Sie sind eingeladen, im Kundenservice von { $tenant } mit Kairos zu arbeiten. Wählen Sie hier Ihr Passwort:
invite-mail-expiry = Der Link gilt einmal und { $hours } Stunden lang.
invite-mail-ignore = Wenn Sie diese Einladung nicht erwartet haben, können Sie diese Mail ignorieren.
role-admin = Verwaltung
role-agent = Agent
secret-once-title = Einmalig angezeigt
secret-once = Jetzt kopieren: Die Geheimnisse werden nicht wieder angezeigt, nur maskiert.
mail-addresses = Support-Adressen
mail-addresses-hint = Mails an diese Adressen werden zu Gesprächen.
mail-address = E-Mail-Adresse
mail-sending = Versand (SMTP-Relay)
mail-relay-hint = Das Relay selbst legt der Betrieb fest (--smtp-relay). Antworten gehen vom unten gewählten Absender aus.
mail-from-address = Absenderadresse
mail-from-default = Die erste Support-Adresse
mail-from-name = Absendername
mail-auto-subject = Betreff der Eingangsbestätigung
mail-auto-text = Text der Eingangsbestätigung
mail-auto-hint = Geht einmal an neue Gespräche per Mail, nie an automatische Absender. Beide Felder leer: keine Bestätigung.
imap-title = IMAP-Postfächer
imap-host = Server
imap-port = Port
imap-security = Sicherheit
imap-plain = Unverschlüsselt (nur lokal)
imap-mailbox = Ordner
imap-username = Benutzername
providers-title = Anbieterkanäle (SMS, Messenger)
providers-webhook = Webhook-URL
providers-provider = Anbieter
providers-name = Name
providers-hint = Füllen Sie die Felder des gewählten Anbieters aus; die übrigen werden ignoriert.
secrets-title = Signaturgeheimnisse für Webhooks
secrets-hint = Antizipationsregeln signieren ihre Webhooks damit. Ein neues oder erneuertes Geheimnis wird einmal angezeigt.
secrets-rotate = Erneuern
secrets-name = Name (a-z, 0-9, - und _)
secrets-create = Geheimnis anlegen
sla-hours = Geschäftszeiten
sla-hours-hint = SLA-Ziele zählen nur innerhalb dieser Zeiten. Ohne Zeitzone zählen sie rund um die Uhr (UTC).
sla-time-zone = Zeitzone
sla-week = Öffnungszeiten je Tag (z. B. 09:00-12:00, 13:00-17:00; leer: geschlossen)
sla-always = Rund um die Uhr geöffnet (die Tage werden ignoriert)
sla-holidays = Feiertage
sla-holidays-hint = Ein Datum je Zeile, als JJJJ-MM-TT.
sla-policies = SLA-Richtlinien
sla-policies-hint = Ein Gespräch erhält die erste Richtlinie für die Stufe der Kundin oder des Kunden, sonst die erste ohne Stufe.
sla-policy-new = Neue Richtlinie
sla-policy-edit = Richtlinie bearbeiten
sla-policy-name = Name
sla-policy-tier = Kundenstufe
sla-policy-tier-hint = Leer: alle ohne speziellere Richtlinie.
sla-targets = Ziele in Geschäftsminuten (leer: keins)
day-mon = Montag
day-tue = Dienstag
day-wed = Mittwoch
day-thu = Donnerstag
day-fri = Freitag
day-sat = Samstag
day-sun = Sonntag

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
files-title = Dateien
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
widget-attach = Dateien anhängen
widget-files-pending = Zu sendende Dateien
widget-file-remove = Entfernen
widget-file-download = Herunterladen
widget-file-failed = Die Datei konnte nicht gesendet werden: Angenommen werden PDF, Bilder, Videos, Text und Office-Dokumente bis 25 MB.
widget-file-too-large = Dateien dürfen höchstens 25 MB groß sein.
receipt-read = Der Kunde hat das Gespräch gelesen.
receipt-delivered = Die neueste Antwort ist beim Kunden angekommen.
## Kundenportal
portal-sign-in = Anmelden
portal-home = Zur Startseite
portal-nav-requests = Meine Anfragen
portal-nav-new = Neue Anfrage
portal-nav-kb = Hilfe-Center
portal-nav-data = Meine Daten
portal-limited = Zu viele Anfragen
portal-limited-detail = Bitte warten Sie eine Viertelstunde und fordern Sie dann einen neuen Anmeldelink an.
portal-login-title = Anmelden
portal-login-intro = Geben Sie Ihre E-Mail-Adresse ein. Wir senden Ihnen einen Link, der Sie anmeldet – ganz ohne Passwort.
portal-login-submit = Anmeldelink senden
portal-login-invalid = Bitte geben Sie eine gültige E-Mail-Adresse ein.
portal-login-kb = Sie suchen nur eine Antwort? Stöbern Sie im
portal-link-stale = Dieser Anmeldelink gilt nicht mehr: Er wurde schon benutzt oder ist abgelaufen. Fordern Sie unten einen neuen an.
portal-sent-title = Sehen Sie in Ihr Postfach
portal-sent-detail = Wenn diese Adresse Post von uns empfangen kann, ist ein Anmeldelink unterwegs. Er gilt einmal und { $minutes } Minuten lang.
portal-sent-nothing = Nichts angekommen? Sehen Sie im Spam-Ordner nach oder fragen Sie in ein paar Minuten erneut.
portal-sent-again = Neuen Link anfordern
portal-link-title = Weiter zur Anmeldung
portal-link-detail = Mit diesem Link bei { $tenant } anmelden.
portal-link-continue = Weiter
portal-mail-subject = Ihr Anmeldelink für { $tenant }
portal-mail-hello = Guten Tag,
portal-mail-intro = Sie möchten sich bei { $tenant } anmelden. Öffnen Sie diesen Link und klicken Sie auf „Weiter“:
portal-mail-expiry = Der Link gilt einmal und { $minutes } Minuten lang.
portal-mail-ignore = Wenn Sie ihn nicht angefordert haben, können Sie diese Mail ignorieren: Ohne den Link kann sich niemand anmelden.
portal-requests-title = Meine Anfragen
portal-requests-empty = Sie haben noch keine Anfragen.
portal-back = Zurück zu meinen Anfragen
portal-you = Sie
portal-reply-title = Antworten
portal-reply-body = Ihre Nachricht
portal-reply-closed = Diese Anfrage ist abgeschlossen; bitte stellen Sie eine neue.
portal-reply-invalid = Die Nachricht konnte nicht gesendet werden: Bitte schreiben Sie etwas (höchstens 1 MiB).
portal-new-title = Neue Anfrage
portal-new-subject = Betreff
portal-new-body = Wie können wir helfen?
portal-new-submit = Weiter
portal-new-send-anyway = Anfrage senden
portal-new-invalid = Bitte geben Sie einen Betreff (eine Zeile) an und beschreiben Sie Ihr Anliegen.
portal-suggest-title = Diese Artikel beantworten vielleicht Ihre Frage
portal-suggest-intro = Wenn einer davon hilft, müssen Sie nicht auf eine Antwort warten. Sonst senden Sie Ihre Anfrage unten ab.
portal-suggest-answered = Das hat meine Frage beantwortet
portal-kb-title = Hilfe-Center
portal-kb-search = Im Hilfe-Center suchen
portal-kb-search-submit = Suchen
portal-kb-hits = { $count ->
    [one] Ein Artikel gefunden
   *[other] { $count } Artikel gefunden
}
portal-kb-empty = Es gibt noch keine Artikel.
portal-kb-back = Alle Artikel
portal-kb-updated = Aktualisiert
portal-kb-answered = Schön, dass es geholfen hat – danke für Ihre Rückmeldung.
portal-kb-translations = Auch auf:
portal-kb-question = Hat das Ihre Frage beantwortet?
portal-kb-still-ask = Nein, ich brauche noch Hilfe
portal-data-title = Meine Daten
portal-data-intro = Was wir über Sie speichern, wozu Sie eingewilligt haben, und Ihre Rechte.
portal-data-controller = Verantwortlich für Ihre Daten: { $name }.
portal-data-policy = Datenschutzerklärung
portal-data-profile = Profil
portal-data-name = Name
portal-data-no-name = (keiner angegeben)
portal-data-since = Kunde seit
portal-data-export = Ihre Daten herunterladen
portal-data-export-intro = Alles, was wir über Sie speichern, als Zip-Archiv: Profil, Gespräche, Einwilligungen und mehr.
portal-data-export-download = Herunterladen (Zip)
portal-data-consents = Einwilligungen
portal-data-consents-intro = Erteilen oder widerrufen Sie Ihre Einwilligung je Zweck; jede Änderung wird mit einem Beleg festgehalten, den Sie herunterladen können.
portal-data-saved = Gespeichert.
portal-consent-granted = erteilt
portal-consent-none = nicht erteilt
portal-consent-grant = Einwilligen
portal-consent-withdraw = Widerrufen
portal-consent-grant-label = Einwilligen: { $purpose }
portal-consent-withdraw-label = Einwilligung widerrufen: { $purpose }
portal-consent-records = Verlauf
portal-consent-given = Einwilligung erteilt
portal-consent-withdrawn = Einwilligung widerrufen
portal-consent-receipt = Beleg
portal-data-restrictions = Einschränkung und Widerspruch
portal-restrictions-legend = Meine Daten nicht verwenden für
portal-restrict-profiling = Profiling (Abgleich meiner Daten mit Regeln)
portal-restrict-proactive = Nachrichten oder Angebote, um die ich nicht gebeten habe
portal-restrict-automation = jede automatisierte Entscheidung über mich
portal-restrictions-save = Speichern
portal-data-erasure = Löschung
portal-data-erasure-intro = Sie können uns bitten, Ihre Daten zu löschen. Wir beantworten Ihre Anfrage in einem Gespräch und löschen, was wir nicht gesetzlich aufbewahren müssen.
portal-data-erasure-request = Löschung beantragen
portal-erasure-subject = Antrag auf Löschung meiner Daten
portal-erasure-body = Bitte löschen Sie meine personenbezogenen Daten (Art. 17 DSGVO).
purpose-service = Service
purpose-location = Standort
purpose-travel = Reisen
purpose-personalised-offers = Persönliche Angebote
purpose-profiling = Profiling
purpose-partner-sharing = Weitergabe an Partner
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
dash-csv = Als CSV herunterladen
dash-median-minutes = Medianzeit (Minuten)
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
