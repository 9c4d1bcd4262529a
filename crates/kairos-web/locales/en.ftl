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

## Chat widget (the frame on company sites) and receipts
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
receipt-read = The customer has read the conversation.
