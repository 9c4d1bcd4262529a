# Kairos web UI, English.

## Frame
skip-to-content = Skip to content
nav-label = Main
nav-inbox = Inbox
lang-label = Language
sign-out = Sign out

## Sign-in
login-title = Sign in
login-intro = Sign in to the agent workspace.
login-tenant = Organisation
login-tenant-hint = The short name of your organisation in Kairos, e.g. demo.
login-email = E-mail
login-password = Password
login-submit = Sign in
login-first-run = No organisation exists on this server yet. For a demo organisation with agents, customers and conversations, run this on the server (it prints the agents’ passwords):
login-first-run-own = Or create your own organisation and its first admin (the password is printed):
login-failed = Sign-in failed: the organisation, e-mail and password do not match. Please check them and try again.
login-throttled = { $count ->
    [one] Too many failed sign-ins. Please try again in a minute.
   *[other] Too many failed sign-ins. Please try again in { $count } minutes.
}

## Inbox
inbox-title = Inbox
inbox-views = Views
view-mine = Mine
view-unassigned = Unassigned
view-all = All
inbox-filters = Filters
filter-status = Status
filter-channel = Channel
filter-any = Any
filter-apply = Apply
inbox-count = { $count ->
    [one] One conversation
   *[other] { $count } conversations
}
inbox-empty = No conversations in this view.
inbox-older = Older conversations
no-subject = (no subject)
unknown-customer = (unknown customer)
unassigned = Unassigned
inbox-shortcuts = Keyboard: j and k move through the list, Enter opens.

## Codes
status-open = Open
status-pending = Pending
status-resolved = Resolved
status-closed = Closed
priority-low = Low
priority-normal = Normal
priority-high = High
priority-urgent = Urgent
channel-email = E-mail
channel-chat = Chat
channel-sms = SMS
channel-voice = Call
channel-social = Social
channel-portal = Portal
channel-api = API
direction-inbound = From customer
direction-outbound = Reply
direction-note = Internal note
identity-email = E-mail
identity-phone = Phone
identity-social = Social
identity-device = Device

## Conversation
conv-status = Status
conv-priority = Priority
conv-assignee = Assignee
conv-tags = Tags
conv-tags-hint = Separated by commas.
conv-update = Update
conv-take = Assign to me
conv-messages = Messages
conv-no-messages = No messages yet.
author-system = Kairos
customer-title = Customer
customer-tier = Tier
customer-conversations = Conversations
customer-profile = Profile
timeline-open = Open the conversation
customer-identities = Contact
timeline-title = Timeline across channels
timeline-empty = Nothing else yet.
timeline-other = in another conversation
sla-first-response = First response
sla-next-response = Next response
sla-resolution = Resolution
sla-due = due
sla-paused = paused
sla-met = met
sla-stopped = stopped
sla-breached = Breached
typing-customer = The customer is typing…
typing-colleague = A colleague is typing…
viewers-others = Another agent has this conversation open too.
compose-title = Write
compose-kind = Kind
compose-reply = Reply to the customer
compose-note = Internal note
compose-channel = Channel
compose-body = Message
compose-files = Files
compose-files-hint = Up to 10 files of at most 25 MB: PDF, images, videos, text, Office documents.
compose-files-failed = The files could not be uploaded; the message was not sent.
compose-send = Send
compose-shortcut = Keyboard: r writes a reply.
compose-closed = This conversation is closed; reopen it to reply.
compose-invalid = The message was not sent: it is empty or too long.

## Admin
nav-admin = Admin
admin-title = Administration
admin-nav = Administration sections
admin-settings = Settings
admin-staff = Staff and roles
admin-channels = Channels
admin-sla = SLA and business hours
admin-canned = Canned replies
admin-saved = Saved.
admin-edit = Edit
admin-delete = Delete
admin-save = Save
admin-cancel = Cancel
admin-add = Add
admin-none = Nothing here yet.
admin-invalid = Not saved:
admin-conflict = Not possible:
admin-org-name = Display name
admin-overview = Overview
admin-api-only = Settings without a page yet
admin-api-only-hint = These are set through the API (see the API documentation at /api/docs):
admin-routing = Routing
admin-privacy = Privacy and retention
admin-org = Organisation
admin-org-name-hint = Shown to your team and to customers: in the portal, the chat widget and the {"{{"}tenant.name{"}}"} placeholder of canned replies.
admin-org-slug = Sign-in short name
admin-org-slug-hint = The short name is used to sign in and in the addresses of the portal and the chat widget, so it cannot be changed.
admin-count-queues = { $count ->
    [one] One routing queue
   *[other] { $count } routing queues
}
admin-count-purposes = { $count ->
    [one] One consent purpose
   *[other] { $count } consent purposes
}
routing-assignment = Automatic assignment
routing-assignment-hint = When on, Kairos gives each unassigned open conversation to an available agent with the queue's skills and room under their capacity, least loaded first. When off, agents pick conversations from the inbox. A manual assignment always wins.
routing-enabled = Assign conversations automatically
routing-queues = Queues
routing-queues-hint = The first queue whose channels and tags match takes a conversation (empty: any). Agents need all of its skills; a conversation no queue matches may go to any available agent. Agents' skills and capacity are set per agent through the API (PUT /api/v1/agents/{"{"}id{"}"}/profile).
routing-queue-new = New queue
routing-queue-edit = Edit queue
routing-queue-name = Name
routing-channels = Channels
routing-channels-legend = Channels it takes (none ticked: any)
routing-tags = Tags
routing-tags-hint = Comma-separated, as on conversations; empty: any.
routing-skills = Skills an agent needs
routing-skills-hint = Comma-separated words of letters, digits, - and _; empty: none.
routing-any = any
routing-up = Move up
privacy-consent = Consent
privacy-purposes = Purposes consent is asked for
privacy-purposes-hint = One per line: a-z, 0-9 and -, at most 50.
privacy-controller = Controller named on consent receipts
privacy-controller-hint = Leave all fields empty to name none (receipts then say it is not configured); otherwise fill in all of them.
privacy-controller-name = Legal name
privacy-controller-email = Contact e-mail for privacy matters
privacy-controller-address = Postal address
privacy-controller-policy = Privacy notice URL
privacy-controller-jurisdiction = Jurisdiction (e.g. DE)
retention-title = Retention
retention-hint = How long data is kept. A shorter period deletes older data at the next hourly pass, for good; every deletion is recorded on the log.
retention-conversations = Resolved and closed conversations (days after their last change)
retention-context = Context events (days after they happened)
retention-customers = Inactive customers (days without a conversation or consent change)
retention-days-hint = Whole days, 1 to 36500; empty: keep until erased.
admin-count-staff = { $count ->
    [one] One active staff member
   *[other] { $count } active staff members
}
admin-count-channels = { $count ->
    [one] One channel (addresses, mailboxes, providers)
   *[other] { $count } channels (addresses, mailboxes, providers)
}
admin-count-policies = { $count ->
    [one] One SLA policy
   *[other] { $count } SLA policies
}
admin-count-canned = { $count ->
    [one] One canned reply
   *[other] { $count } canned replies
}
canned-none = No canned replies yet.
canned-new = New canned reply
canned-edit = Edit canned reply
canned-title = Title
canned-body = Text
canned-placeholders = Placeholders, filled in for the conversation:
canned-pick = Canned reply
canned-insert = Insert
staff-you = you
staff-deactivated = Deactivated
staff-role = Role
staff-change-role = Change role
staff-deactivate = Deactivate
staff-change-hint = Changing a role or deactivating signs the person out everywhere at once. A deactivated account cannot sign in; its name stays on what it did.
staff-new = New staff account
staff-name = Name
staff-password = Initial password
staff-password-hint = 12 to 1024 characters. Hand it over in person; it is never shown again.
staff-create = Create account
invite-title = Your invitation
invite-join = Join { $tenant }
invite-hello = Hello { $name }, choose a password to set up your staff account.
invite-password = Password
invite-password-hint = 12 to 1024 characters; a long passphrase is best.
invite-accept = Set password and sign in
invite-password-refused = This password cannot be used:
invite-gone-title = This invitation link does not work
invite-gone-unknown = The link is not valid. Check that it was copied whole, or ask an administrator for a new invitation.
invite-gone-expired = The invitation has expired. Ask an administrator to send it again.
invite-gone-used = The invitation has been accepted already. Sign in with your e-mail address and password.
invite-gone-revoked = The invitation was withdrawn. Ask an administrator if you think this is a mistake.
invite-gone-throttled = Too many invalid invitation links came from your network. Please wait a few minutes and try again.
invite-to-login = To the sign-in page
invite-pending = Open invitations
invite-none = No open invitations.
invite-until = Link works until
invite-expired = Expired
invite-resend = Send again
invite-revoke = Revoke
invite-new = Invite by e-mail
invite-hint = The person gets an e-mail with a link that works once, for { $hours } hours, and chooses their own password there. The mail is sent from the organisation's support address.
invite-send = Send invitation
invite-sent = Invitation sent.
invite-mail-subject = Your invitation to { $tenant }
invite-mail-hello = Hello { $name },
invite-mail-intro = you are invited to work in the customer service of { $tenant } on Kairos. Choose your password here:
invite-mail-expiry = The link works once, for { $hours } hours.
invite-mail-ignore = If you did not expect this invitation, you can ignore this mail.
role-admin = Admin
role-agent = Agent
secret-once-title = Shown once
secret-once = Copy these now: the secrets are not shown again, only masked.
mail-addresses = Support addresses
mail-addresses-hint = Mail to these addresses becomes conversations.
mail-address = E-mail address
mail-sending = Sending (SMTP relay)
mail-relay-hint = The relay itself is set by the operator (--smtp-relay). Replies go out from the sender below.
mail-from-address = Sender address
mail-from-default = The first support address
mail-from-name = Sender name
mail-auto-subject = Acknowledgement subject
mail-auto-text = Acknowledgement text
mail-auto-hint = Sent once to new conversations by mail, never to automated senders. Leave both empty to send none.
imap-title = IMAP mailboxes
imap-host = Server
imap-port = Port
imap-security = Security
imap-plain = Plain (local only)
imap-mailbox = Mailbox
imap-username = User name
providers-title = Provider channels (SMS, messengers)
providers-webhook = Webhook URL
providers-provider = Provider
providers-name = Name
providers-hint = Fill in the fields of the chosen provider; the others are ignored.
secrets-title = Webhook signing secrets
secrets-hint = Anticipation rules sign their webhooks with these. A new or rotated secret is shown once.
secrets-rotate = Rotate
secrets-name = Name (a-z, 0-9, - and _)
secrets-create = Create secret
sla-hours = Business hours
sla-hours-hint = SLA targets count only within these hours. Without a time zone they count around the clock (UTC).
sla-time-zone = Time zone
sla-week = Opening hours per day (e.g. 09:00-12:00, 13:00-17:00; empty: closed)
sla-always = Open around the clock (the days are ignored)
sla-holidays = Holidays
sla-holidays-hint = One date per line, as YYYY-MM-DD.
sla-policies = SLA policies
sla-policies-hint = A conversation gets the first policy for its customer's tier, else the first without a tier.
sla-policy-new = New policy
sla-policy-edit = Edit policy
sla-policy-name = Name
sla-policy-tier = Customer tier
sla-policy-tier-hint = Empty: every customer without a more specific policy.
sla-targets = Targets in business minutes (empty: none)
day-mon = Monday
day-tue = Tuesday
day-wed = Wednesday
day-thu = Thursday
day-fri = Friday
day-sat = Saturday
day-sun = Sunday

## Errors
error-not-found = Not found
error-not-found-detail = This page does not exist, or you cannot see it.
error-expired = The form has expired
error-expired-detail = For your security the form could not be accepted. Reload the page and try again.
error-forbidden = Not allowed
error-forbidden-detail = Your role does not allow this.
error-bad-request = Something in the request was not right
error-retry = Please go back and try again.
error-internal = Something went wrong on our side
error-home = To the start page

## Chat widget (the frame on company sites) and receipts
files-title = Files
widget-title = Chat with us
widget-close = Close the chat
widget-noscript = The chat needs JavaScript.
widget-not-found = There is no chat here.
widget-prechat-intro = Before we start: how may we address you? Both are optional.
widget-name = Your name
widget-email = Your e-mail address
widget-email-hint = If you leave before we answer, the answer comes by e-mail.
widget-start = Start chat
widget-messages = Messages
widget-agent-typing = Customer service is typing…
widget-offline-email = Your e-mail address for the answer
widget-offline-submit = Answer me by e-mail
widget-message = Your message
widget-placeholder = Write a message…
widget-send = Send
widget-you = You
widget-agent = Customer service
widget-delivered = Delivered
widget-read = Read
widget-online = We are online and answer right away.
widget-offline = Nobody is online right now. Leave your message and your e-mail address: we answer by e-mail.
widget-offline-noted = Nobody is online right now; we answer by e-mail.
widget-failed = The message could not be sent. Please try again.
widget-by-email = sent by e-mail
widget-attach = Attach files
widget-files-pending = Files to send
widget-file-remove = Remove
widget-file-download = Download
widget-file-failed = The file could not be sent: PDF, images, videos, text and Office documents up to 25 MB are accepted.
widget-file-too-large = Files can be at most 25 MB.
receipt-read = The customer has read the conversation.
receipt-delivered = The newest reply has reached the customer.
## Customer portal
portal-sign-in = Sign in
portal-home = To the start page
portal-nav-requests = My requests
portal-nav-new = New request
portal-nav-kb = Help centre
portal-nav-data = My data
portal-limited = Too many requests
portal-limited-detail = Please wait a quarter of an hour, then ask for a new sign-in link.
portal-login-title = Sign in
portal-login-intro = Enter your e-mail address. We will send you a link that signs you in — no password needed.
portal-login-submit = Send me a sign-in link
portal-login-invalid = Please enter a valid e-mail address.
portal-login-kb = Just looking for an answer? Browse the
portal-link-stale = This sign-in link no longer works: it was already used or has expired. Ask for a new one below.
portal-sent-title = Check your mail
portal-sent-detail = If this address can receive mail from us, a sign-in link is on its way. It works once, for { $minutes } minutes.
portal-sent-nothing = Nothing arrived? Look in your spam folder, or ask again in a few minutes.
portal-sent-again = Ask for another link
portal-link-title = Continue to sign in
portal-link-detail = Sign in to { $tenant } with this link.
portal-link-continue = Continue
portal-mail-subject = Your sign-in link for { $tenant }
portal-mail-hello = Hello,
portal-mail-intro = you asked to sign in to { $tenant }. Open this link and press "Continue":
portal-mail-expiry = The link works once, for { $minutes } minutes.
portal-mail-ignore = If you did not ask for it, you can ignore this mail: nobody can sign in without this link.
portal-requests-title = My requests
portal-requests-empty = You have no requests yet.
portal-back = Back to my requests
portal-you = You
portal-reply-title = Reply
portal-reply-body = Your message
portal-reply-closed = This request is closed; please start a new one.
portal-reply-invalid = The message could not be sent: please write something (at most 1 MiB).
portal-new-title = New request
portal-new-subject = Subject
portal-new-body = How can we help?
portal-new-submit = Continue
portal-new-send-anyway = Send my request
portal-new-invalid = Please give a subject (one line) and describe your request.
portal-suggest-title = These articles may answer your question
portal-suggest-intro = If one of them helps, you need not wait for an answer. Otherwise send your request below.
portal-suggest-answered = This answered my question
portal-kb-title = Help centre
portal-kb-search = Search the help centre
portal-kb-search-submit = Search
portal-kb-hits = { $count ->
    [one] One article found
   *[other] { $count } articles found
}
portal-kb-empty = There are no articles yet.
portal-kb-back = All articles
portal-kb-updated = Updated
portal-kb-answered = Glad it helped — thank you for telling us.
portal-kb-translations = Also in:
portal-kb-question = Did this answer your question?
portal-kb-still-ask = No, I still need help
portal-data-title = My data
portal-data-intro = What we hold about you, what you agreed to, and your rights.
portal-data-controller = Responsible for your data: { $name }.
portal-data-policy = Privacy policy
portal-data-profile = Profile
portal-data-name = Name
portal-data-no-name = (none given)
portal-data-since = Customer since
portal-data-export = Download your data
portal-data-export-intro = Everything we hold about you, as a zip archive: your profile, conversations, consents and more.
portal-data-export-download = Download (zip)
portal-data-consents = Consents
portal-data-consents-intro = Give or withdraw your consent for each purpose; each change is recorded with a receipt you can download.
portal-data-saved = Saved.
portal-consent-granted = given
portal-consent-none = not given
portal-consent-grant = Give consent
portal-consent-withdraw = Withdraw
portal-consent-grant-label = Give consent: { $purpose }
portal-consent-withdraw-label = Withdraw consent: { $purpose }
portal-consent-records = History
portal-consent-given = consent given
portal-consent-withdrawn = consent withdrawn
portal-consent-receipt = Receipt
portal-data-restrictions = Restriction and objection
portal-restrictions-legend = Do not use my data for
portal-restrict-profiling = profiling (matching my data against rules)
portal-restrict-proactive = messages or offers you did not ask for
portal-restrict-automation = any automated decision about me
portal-restrictions-save = Save
portal-data-erasure = Erasure
portal-data-erasure-intro = You can ask us to erase your data. We answer your request in a conversation, and erase what the law does not make us keep.
portal-data-erasure-request = Ask for erasure
portal-erasure-subject = Request for erasure of my data
portal-erasure-body = Please erase my personal data (Art. 17 GDPR).
purpose-service = Service
purpose-location = Location
purpose-travel = Travel
purpose-personalised-offers = Personalised offers
purpose-profiling = Profiling
purpose-partner-sharing = Sharing with partners
## Workspace: views, assignee, suggestions
nav-dashboard = Dashboard
view-sla = SLA due soon
view-tier = By tier
filter-tier = Tier
inbox-sla-hint = Conversations with an SLA clock due within the hour or already breached, the earliest due first.
inbox-tier-hint = Enter a service tier to see its customers' conversations.
inbox-due = due
conv-assign-to = Assignee
conv-assign = Assign
suggest-title = Suggested articles
suggest-none = No article matches the customer's latest messages.
suggest-insert = Insert link

## Dashboard
dash-title = Dashboard
dash-zone = Days are counted in { $zone }.
dash-period = Period
dash-days = { $count ->
    [one] Last day
   *[other] Last { $count } days
}
dash-volume = New conversations by channel
dash-volume-desc = Stacked bars per day, one colour per channel; { $count } new conversations in the period.
dash-first-response = First response against SLA
dash-resolution = Resolution against SLA
dash-sla-desc-met = Stacked bars per day: { $count } clocks met,
dash-sla-desc-breached = { $count } breached.
dash-backlog = Backlog
dash-backlog-desc = Open or pending conversations at the end of each day; { $count } now.
dash-load = Agent load
dash-load-desc = { $count ->
    [one] Bars for one agent: open conversations assigned now and conversations replied in during the period.
   *[other] Bars for { $count } agents: open conversations assigned now and conversations replied in during the period.
}
dash-load-open = Open, assigned now
dash-load-handled = Replied in (period)
dash-agent = Agent
dash-day = Day
dash-total = Total
dash-met = Met
dash-breached = Breached
dash-median = Median time
dash-open = Open
dash-table = Show the numbers as a table
dash-no-data = No data in this period.
dash-csv = Download CSV
dash-median-minutes = Median time (minutes)
dash-definitions = Volume counts conversations by the channel of their first message. First response and resolution: SLA clocks by the day they started; median times are wall-clock time from opening, by the day of the reply or resolution. Backlog: opened and not yet resolved or closed at the end of the day (a reopened conversation counts from its opening).
duration-minutes = { $n } min
duration-hours = { $n } h
duration-days = { $n } d

## Customer: consents, merge
customer-merged-away = This customer was merged into another.
customer-survivor = Open the merged profile
consent-title = Consents
consent-none-granted = No consent is granted at present.
consent-granted = Granted purposes
consent-give = Grant
consent-withdraw = Withdraw
consent-records = Every consent record, newest first
consent-when = When
consent-purpose = Purpose
consent-action = Action
consent-method = Given
consent-notice = Privacy notice version
consent-receipt = Receipt
consent-receipt-download = Download
consent-grant = granted
consent-withdrawn = withdrawn
consent-record = Record a consent
consent-method-phone = by phone
consent-method-agent = to an agent
consent-notice-hint = The version of the privacy notice the customer was told about, e.g. 2026-01.
consent-categories = Data categories
consent-categories-hint = Optional, comma-separated, e.g. location, contact.
consent-save = Record
consent-done = The consent record was saved.
consent-invalid = The consent was not recorded: check the purpose, the notice version (1–64 characters) and the data categories (lower-case words with hyphens).
merge-start = Merge another customer into this one
merge-title = Merge customers
merge-intro = Find the customer to merge into
merge-back = Back to the profile
merge-search = Name, e-mail, phone or customer id
merge-search-hint = Part of a name or an identity is enough.
merge-find = Find
merge-none = No other customer matches.
merge-pick = Choose
merge-confirm-title = Merge these customers?
merge-confirm-intro = The first customer is merged into the second: their identities, conversations and consent records move there, and the timelines join. The merge is recorded and cannot be undone here.
merge-other = Merged away
merge-this = Kept
merge-back-search = Back to the search
merge-warning = Check that both are the same person.
merge-submit = Merge
merge-cancel = Cancel
merge-done = The customers were merged: identities, conversations and consents are now here.
