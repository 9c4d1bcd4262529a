//! Hostile values (checklist B08): stored verbatim, queries stay parameterised.

use crate::{email_in, tenant};
use kairos_core::conversation::ConversationPatch;
use kairos_core::event::Actor;
use kairos_store::{ConversationFilter, Store};

/// Checklist B08: SQL payloads in values are data, on both backends.
pub(super) async fn hostile_values_are_stored_verbatim_and_queries_stay_parameterised(
    store: Store,
) {
    let t = tenant(&store, "acme").await;
    let payloads = [
        "' OR 1=1--",
        "1; SELECT pg_sleep(5)",
        "x'); DROP TABLE messages;--",
        "1 AND (SELECT 1 FROM pg_sleep(5))",
        "randomblob(1000000000)",
    ];
    for (i, p) in payloads.iter().enumerate() {
        let mut cmd = email_in(&format!("h{i}@example.org"), p, Some(p));
        cmd.subject = Some((*p).to_owned());
        let (ids, _) = store.inbound(t, cmd, &Actor::System).await.unwrap();
        let stored = store.message(t, ids.message_id).await.unwrap().unwrap();
        assert_eq!(
            (
                stored.body.text.as_str(),
                stored.external_id.as_deref(),
                stored.subject.as_deref()
            ),
            (*p, Some(*p), Some(*p))
        );
        let patch = ConversationPatch {
            tags: Some(vec![(*p).replace(',', " ")]),
            ..Default::default()
        };
        store
            .patch_conversation(t, ids.conversation_id, patch, &Actor::System)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .conversations(
                t,
                &ConversationFilter {
                    limit: 100,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .len(),
        payloads.len()
    );
}
