//! Issue acceptance: a real client (Python's smtplib) sends a multipart mail — text, HTML
//! with a script, a PDF attachment — and it becomes a conversation with the text, the
//! sanitised HTML and the attachment in the blob store.

use crate::helpers::{Backend, SUPPORT, start};
use kairos_core::event::EventData;
use std::process::Command;

const CLIENT: &str = r#"
import smtplib, sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "Anna Berg <anna@example.org>"
m["To"] = sys.argv[3]
m["Subject"] = "Rechnung März"
m["Message-ID"] = "<python-1@example.org>"
m.set_content("Hallo, die Rechnung ist falsch.")
m.add_alternative("<p>Hallo, die <b>Rechnung</b> ist falsch.</p><script>alert(1)</script><img src=x onerror=alert(2)>", subtype="html")
m.add_attachment(b"%PDF-1.4 fake invoice", maintype="application", subtype="pdf", filename="rechnung-märz.pdf")
with smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=30) as s:
    s.send_message(m)
print("sent")
"#;

#[tokio::test]
async fn python_smtplib_multipart_mail_becomes_a_conversation() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!(
            "\n*** NOTICE: python3 is missing: the smtplib acceptance test did NOT run ***\n"
        );
        return;
    }
    let host = start(Backend::Sqlite, |_| {}).await.unwrap();
    let (ip, port) = (host.addr.ip().to_string(), host.addr.port().to_string());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(["-c", CLIENT, &ip, &port, SUPPORT])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "smtplib failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let message = host
        .events()
        .await
        .into_iter()
        .find_map(|e| match e.data {
            EventData::MessageAppended {
                subject,
                body,
                attachments,
                ..
            } => Some((subject, body, attachments)),
            _ => None,
        })
        .expect("a message on the log");
    let (subject, body, attachments) = message;
    assert_eq!(subject.as_deref(), Some("Rechnung März"));
    assert!(
        body.text.contains("die Rechnung ist falsch"),
        "{}",
        body.text
    );
    let html = body.html.expect("the HTML alternative");
    assert!(html.contains("<b>Rechnung</b>"), "{html}");
    assert!(
        !html.contains("script") && !html.contains("onerror"),
        "B01: {html}"
    );
    assert_eq!(attachments.len(), 1, "{attachments:?}");
    assert_eq!(attachments[0].filename, "rechnung-märz.pdf");
    assert_eq!(attachments[0].content_type, "application/pdf");
    let blobs = kairos_store::blobs::BlobStore::open(&host.blobs).unwrap();
    assert_eq!(
        blobs.get(&attachments[0].sha256).await.unwrap().unwrap(),
        b"%PDF-1.4 fake invoice"
    );
}
