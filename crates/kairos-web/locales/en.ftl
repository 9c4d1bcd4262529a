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
