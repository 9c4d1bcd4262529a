//! Hostile SMTP clients (checklist L01–L07, L09, C01, C10): each gets a clear reply, the
//! server stays up, and nothing half-received is stored.

use crate::helpers::{Backend, Client, SUPPORT, start};
use std::time::Duration;

const MAIL: &[u8] = b"From: Anna <anna@example.org>\r\nSubject: Hello\r\nMessage-ID: <m1@example.org>\r\n\r\nHi there\r\n";

async fn ready(host: &crate::helpers::Mailhost) -> Client {
    let (mut c, greeting) = Client::connect(host.addr).await;
    assert_eq!(greeting.0, 220);
    assert_eq!(c.cmd("EHLO client.test").await.0, 250);
    c
}

#[tokio::test]
async fn l01_a_command_line_without_end_is_cut_off() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let mut c = ready(&host).await;
    // 1 MiB without a newline; the server stops reading after 4 KiB.
    let _ = c.write(&vec![b'A'; 1 << 20]).await;
    assert_eq!(c.reply().await.0, 500);
    assert!(c.closed().await);
    // The server is still there for others.
    assert_eq!(ready(&host).await.cmd("NOOP").await.0, 250);
}

#[tokio::test]
async fn l02_l03_long_commands_and_too_many_recipients() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    for i in 0..120 {
        host.store
            .add_mail_address(host.tenant, &format!("u{i}@acme.test"))
            .await
            .unwrap();
    }
    let mut c = ready(&host).await;
    assert_eq!(c.cmd(&format!("NOOP {}", "x".repeat(600))).await.0, 500);
    let long_local = format!("MAIL FROM:<{}@example.org>", "a".repeat(65));
    assert_eq!(c.cmd(&long_local).await.0, 501);
    assert_eq!(c.cmd("MAIL FROM:<anna@example.org>").await.0, 250);
    assert_eq!(
        c.cmd("RCPT TO:<nobody@elsewhere.test>").await.0,
        550,
        "no relaying"
    );
    let mut codes = Vec::new();
    for i in 0..120 {
        codes.push(c.cmd(&format!("RCPT TO:<u{i}@acme.test>")).await.0);
    }
    assert!(codes[..100].iter().all(|&c| c == 250));
    assert!(codes[100..].iter().all(|&c| c == 452), "{codes:?}");
    assert_eq!(c.cmd("RSET").await.0, 250);
}

#[tokio::test]
async fn l04_oversize_mail_is_refused_and_not_stored() {
    let host = start(Backend::Sqlite, |c| c.limits.max_message_bytes = 64 * 1024)
        .await
        .unwrap();
    let mut c = ready(&host).await;
    assert_eq!(
        c.cmd("MAIL FROM:<anna@example.org> SIZE=1000000").await.0,
        552
    );
    let mut big = MAIL.to_vec();
    big.extend(std::iter::repeat_n(b"0123456789abcdef0123456789abcdef\r\n", 4000).flatten());
    assert_eq!(c.send_mail("anna@example.org", SUPPORT, &big).await.0, 552);
    assert!(host.messages().await.is_empty());
    // The session goes on: a mail of allowed size is taken.
    assert_eq!(c.send_mail("anna@example.org", SUPPORT, MAIL).await.0, 250);
    assert_eq!(host.messages().await.len(), 1);
}

#[tokio::test]
async fn l05_idle_and_endless_sessions_and_connection_floods_are_bounded() {
    let host = start(Backend::Sqlite, |c| {
        c.command_timeout = Duration::from_millis(300);
        c.session_timeout = Duration::from_millis(1500);
        c.max_connections_per_ip = 3;
    })
    .await
    .unwrap();
    // Idle after EHLO.
    let mut idle = ready(&host).await;
    assert_eq!(idle.reply().await.0, 421);
    assert!(idle.closed().await);
    // Busy but endless: a NOOP every 200 ms never lets the session pass its total time.
    let mut busy = ready(&host).await;
    let mut last = 250;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        last = busy.cmd("NOOP").await.0;
        if last != 250 {
            break;
        }
    }
    assert_eq!(last, 421, "the session cap ends a slow session");
    // Per-IP cap: the fourth simultaneous connection is told to come back later.
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(Client::connect(host.addr).await);
    }
    let (_, refused) = Client::connect(host.addr).await;
    assert_eq!(refused.0, 421);
    drop(open);
}

#[tokio::test]
async fn l06_smuggled_end_of_data_never_makes_two_messages() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    for variant in [&b"\n.\n"[..], b"\r\n.\n", b"\n.\r\n", b"\r.\r", b"\r\n.\r"] {
        let mut c = ready(&host).await;
        assert_eq!(c.cmd("MAIL FROM:<anna@example.org>").await.0, 250);
        assert_eq!(c.cmd(&format!("RCPT TO:<{SUPPORT}>")).await.0, 250);
        assert_eq!(c.cmd("DATA").await.0, 354);
        let mut data = b"From: anna@example.org\r\nSubject: first\r\n\r\nbody".to_vec();
        data.extend_from_slice(variant);
        data.extend_from_slice(
            b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<support@acme.test>\r\nDATA\r\nFrom: ceo@acme.test\r\nSubject: smuggled\r\n\r\nx\r\n.\r\n",
        );
        c.write(&data).await.unwrap();
        let (code, text) = c.reply().await;
        assert_eq!(code, 554, "{variant:?}: {text}");
        assert_eq!(c.cmd("NOOP").await.0, 250, "exactly one reply for one DATA");
    }
    assert!(host.messages().await.is_empty(), "neither message stored");
}

#[tokio::test]
async fn l07_early_talkers_are_refused() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let mut c = Client::connect_silently(host.addr).await;
    c.write(b"EHLO hasty.test\r\n").await.unwrap();
    assert_eq!(c.reply().await.0, 554);
    assert!(c.closed().await);

    // Message data pipelined behind DATA, before our 354.
    let mut c = ready(&host).await;
    c.write(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<support@acme.test>\r\n")
        .await
        .unwrap();
    assert_eq!(c.reply().await.0, 250);
    assert_eq!(c.reply().await.0, 250);
    c.write(b"DATA\r\nSubject: too early\r\n\r\nx\r\n.\r\n")
        .await
        .unwrap();
    assert_eq!(c.reply().await.0, 554);
    assert!(host.messages().await.is_empty());
}

#[tokio::test]
async fn c10_loops_and_own_address_are_refused_and_l09_huge_headers_too() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let mut c = ready(&host).await;
    let own = b"From: support@acme.test\r\nSubject: loop\r\n\r\nx\r\n";
    assert_eq!(c.send_mail("support@acme.test", SUPPORT, own).await.0, 554);
    let mut hops = String::new();
    for i in 0..200 {
        hops.push_str(&format!(
            "Received: from h{i}.test by h{}.test; Mon, 1 Jan 2024 00:00:00 +0000\r\n",
            i + 1
        ));
    }
    hops.push_str("From: anna@example.org\r\nSubject: loop\r\n\r\nx\r\n");
    assert_eq!(
        c.send_mail("anna@example.org", SUPPORT, hops.as_bytes())
            .await
            .0,
        554
    );
    let mut headers = String::from("From: anna@example.org\r\n");
    for i in 0..10_000 {
        headers.push_str(&format!("X-H{i}: {}\r\n", "v".repeat(20)));
    }
    headers.push_str("\r\nbody\r\n");
    let (code, text) = c
        .send_mail("anna@example.org", SUPPORT, headers.as_bytes())
        .await;
    assert_eq!(code, 554, "{text}");
    assert!(host.messages().await.is_empty());
}

#[tokio::test]
async fn a_retransmitted_mail_is_stored_once() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let mut c = ready(&host).await;
    assert_eq!(c.send_mail("anna@example.org", SUPPORT, MAIL).await.0, 250);
    assert_eq!(c.send_mail("anna@example.org", SUPPORT, MAIL).await.0, 250);
    assert_eq!(host.messages().await.len(), 1);
}

#[tokio::test]
async fn c01_a_forged_thread_token_starts_a_new_conversation() {
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let mut c = ready(&host).await;
    // The victim's conversation.
    assert_eq!(c.send_mail("anna@example.org", SUPPORT, MAIL).await.0, 250);
    let victim = host.conversations().await[0];
    let tokens = host.mailroom.tokens();
    let genuine = tokens.message_id(
        host.tenant,
        victim,
        kairos_core::ids::MessageId::new(),
        "acme.test",
    );
    let (head, mac) = genuine
        .trim_end_matches("@acme.test")
        .rsplit_once('.')
        .unwrap();
    let forged = format!("{head}.{}@acme.test", &mac[..32]);
    let attack = format!(
        "From: mallory@evil.test\r\nSubject: Re: Hello\r\nMessage-ID: <evil1@evil.test>\r\nIn-Reply-To: <{forged}>\r\n\r\nlet me in\r\n"
    );
    assert_eq!(
        c.send_mail("mallory@evil.test", SUPPORT, attack.as_bytes())
            .await
            .0,
        250
    );
    // Even a genuine token does not let another sender into the victim's conversation.
    let stolen = format!(
        "From: mallory@evil.test\r\nSubject: Re: Hello\r\nMessage-ID: <evil2@evil.test>\r\nReferences: <{genuine}>\r\n\r\nme again\r\n"
    );
    assert_eq!(
        c.send_mail("mallory@evil.test", SUPPORT, stolen.as_bytes())
            .await
            .0,
        250
    );
    let all = host.conversations().await;
    assert_eq!(all.len(), 2, "mallory got a conversation of her own");
    let victim_messages = host
        .store
        .messages(host.tenant, victim, true, 0, 100)
        .await
        .unwrap();
    assert_eq!(
        victim_messages.len(),
        1,
        "nothing joined the victim's conversation"
    );
    // The genuine sender's reply with the genuine token threads back.
    let reply = format!(
        "From: anna@example.org\r\nSubject: Re: Hello\r\nMessage-ID: <m2@example.org>\r\nIn-Reply-To: <{genuine}>\r\n\r\nthanks\r\n"
    );
    assert_eq!(
        c.send_mail("anna@example.org", SUPPORT, reply.as_bytes())
            .await
            .0,
        250
    );
    let victim_messages = host
        .store
        .messages(host.tenant, victim, true, 0, 100)
        .await
        .unwrap();
    assert_eq!(victim_messages.len(), 2);
}
