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
login-failed = Sign-in failed: the organisation, e-mail and password do not match. Please check them and try again.

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
compose-send = Send
compose-shortcut = Keyboard: r writes a reply.
compose-closed = This conversation is closed; reopen it to reply.
compose-invalid = The message was not sent: it is empty or too long.

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
