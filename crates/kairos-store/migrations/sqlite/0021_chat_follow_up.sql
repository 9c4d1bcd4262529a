-- A chat visitor's follow-up address (`conversation.follow_up` events): answers written while they
-- are away go there by e-mail. Unverified; never an identity (docs/live-chat.md).
ALTER TABLE conversations ADD COLUMN follow_up_email TEXT;
