//! The demo data: who writes what, on which channel, and how staff answer.

use kairos_core::DomainError;
use kairos_core::conversation::{Priority, Status};
use kairos_core::identity::{Identity, IdentityKind};
use kairos_core::message::Channel;
use kairos_core::party::Role;

/// Demo staff: `(e-mail, name, role)`. Index 0 is the admin the token is bound to.
pub const STAFF: [(&str, &str, Role); 3] = [
    ("admin@demo.example", "Mara Schneider", Role::Admin),
    ("agent@demo.example", "Tobias Berger", Role::Agent),
    ("agent2@demo.example", "Priya Shah", Role::Agent),
];
const MARA: usize = 0;
const TOBIAS: usize = 1;
const PRIYA: usize = 2;

/// One step of a conversation.
pub enum Step {
    /// The customer writes (or calls): `identity` indexes the customer's identities.
    Inbound {
        channel: Channel,
        identity: usize,
        name: &'static str,
        subject: Option<&'static str>,
        text: &'static str,
        external_id: &'static str,
    },
    /// A staff member answers (`channel: None`: the conversation's last channel).
    Reply {
        agent: usize,
        channel: Option<Channel>,
        text: &'static str,
    },
    /// A staff member leaves an internal note.
    Note {
        agent: usize,
        channel: Option<Channel>,
        text: &'static str,
    },
}

/// A conversation and where it ends up.
pub struct Conv {
    pub steps: Vec<Step>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub assignee: Option<usize>,
    pub tags: Vec<&'static str>,
}

/// A customer with every way to reach them, and their conversations in order. A
/// customer's earlier conversations end closed, so the next touchpoint opens a new one.
pub struct Customer {
    pub identities: Vec<Identity>,
    pub conversations: Vec<Conv>,
}

fn inbound(
    channel: Channel,
    identity: usize,
    name: &'static str,
    subject: Option<&'static str>,
    text: &'static str,
    external_id: &'static str,
) -> Step {
    Step::Inbound {
        channel,
        identity,
        name,
        subject,
        text,
        external_id,
    }
}
fn reply(agent: usize, text: &'static str) -> Step {
    Step::Reply {
        agent,
        channel: None,
        text,
    }
}
fn note(agent: usize, text: &'static str) -> Step {
    Step::Note {
        agent,
        channel: None,
        text,
    }
}
fn ends(
    status: Status,
    priority: Priority,
    assignee: Option<usize>,
    tags: &[&'static str],
    steps: Vec<Step>,
) -> Conv {
    Conv {
        steps,
        status: Some(status),
        priority: Some(priority),
        assignee,
        tags: tags.to_vec(),
    }
}
fn social(network: &str, handle: &str) -> Result<Identity, DomainError> {
    Identity::parse(IdentityKind::Social, handle, Some(network), None)
}
fn device(id: &str) -> Result<Identity, DomainError> {
    Identity::parse(IdentityKind::Device, id, None, None)
}

use Channel::{Chat, Email, Portal, Sms, Social, Voice};
use Priority::{High, Low, Normal, Urgent};
use Status::{Closed, Open, Pending, Resolved};

/// The eight demo customers and their fifteen conversations.
pub fn customers() -> Result<Vec<Customer>, DomainError> {
    Ok(vec![
        // A German customer whose router blinks: e-mail, then a call about the same issue.
        Customer {
            identities: vec![
                Identity::email("jonas.weber@example.de")?,
                Identity::phone("+49 170 1234567")?,
                device("web-3f9a1c7e")?,
            ],
            conversations: vec![
                ends(
                    Closed,
                    High,
                    Some(TOBIAS),
                    &["internet", "router", "techniker"],
                    vec![
                        inbound(
                            Email,
                            0,
                            "Jonas Weber",
                            Some("Router blinkt rot – kein Internet"),
                            "Hallo,\n\nseit gestern Abend blinkt die DSL-Lampe an meinem Router rot und ich habe kein Internet. Einen Neustart habe ich schon versucht, das hat nicht geholfen.\n\nKönnen Sie bitte nachsehen?\n\nViele Grüße\nJonas Weber",
                            "<demo-router-1@example.de>",
                        ),
                        reply(
                            TOBIAS,
                            "Hallo Herr Weber,\n\ndanke für Ihre Nachricht. Bitte trennen Sie den Router für 30 Sekunden vom Strom und prüfen Sie, ob das DSL-Kabel fest in der TAE-Dose steckt. Meldet sich die Lampe danach weiterhin rot, messen wir Ihre Leitung durch.\n\nViele Grüße\nTobias Berger",
                        ),
                        inbound(
                            Voice,
                            1,
                            "Jonas Weber",
                            None,
                            "Anruf (Transkript): Kunde hat den Router wie beschrieben vom Strom getrennt, die Lampe blinkt weiterhin rot. Er arbeitet im Homeoffice und bittet dringend um einen Techniker.",
                            "call-2f81c0d7",
                        ),
                        note(
                            TOBIAS,
                            "Leitungsmessung zeigt Synchronisationsabbrüche ab dem Verteiler. Techniker für Donnerstag 8–12 Uhr gebucht.",
                        ),
                        reply(
                            TOBIAS,
                            "Hallo Herr Weber,\n\nder Techniker hat heute den Port im Verteiler getauscht, Ihre Leitung ist seit 10:40 Uhr wieder stabil. Bitte melden Sie sich, falls noch etwas nicht funktioniert.\n\nViele Grüße\nTobias Berger",
                        ),
                    ],
                ),
                ends(
                    Resolved,
                    Low,
                    Some(TOBIAS),
                    &["tarif", "upgrade"],
                    vec![
                        inbound(
                            Chat,
                            2,
                            "Jonas Weber",
                            None,
                            "Hi, kann ich meinen Tarif auf 250 Mbit/s upgraden? Und ab wann gilt das?",
                            "chat-9a3e-01",
                        ),
                        reply(
                            TOBIAS,
                            "Hallo! Ja, an Ihrer Adresse sind bis zu 250 Mbit/s verfügbar. Das Upgrade gilt ab dem nächsten Werktag, die Mindestlaufzeit ändert sich nicht.",
                        ),
                    ],
                ),
            ],
        },
        // An English customer asking for an invoice copy, later by text message.
        Customer {
            identities: vec![
                Identity::email("emily.carter@example.co.uk")?,
                Identity::phone("+44 20 7946 0958")?,
            ],
            conversations: vec![
                ends(
                    Closed,
                    Normal,
                    Some(PRIYA),
                    &["billing", "invoice"],
                    vec![
                        inbound(
                            Email,
                            0,
                            "Emily Carter",
                            Some("Copy of invoice INV-2024-0412"),
                            "Hi,\n\ncould you please send me a copy of my invoice from April (INV-2024-0412)? I need it for my expense report and can't find it in my inbox.\n\nThanks,\nEmily",
                            "<demo-invoice-1@example.co.uk>",
                        ),
                        reply(
                            PRIYA,
                            "Hi Emily,\n\nof course – I've re-sent invoice INV-2024-0412 to this address a minute ago. You can also download all invoices under Account → Billing in the portal.\n\nBest regards,\nPriya",
                        ),
                    ],
                ),
                ends(
                    Pending,
                    Normal,
                    Some(PRIYA),
                    &["billing", "direct-debit"],
                    vec![
                        inbound(
                            Sms,
                            1,
                            "Emily Carter",
                            None,
                            "Hi, my direct debit failed this month because I switched banks. How do I update my bank details?",
                            "sms-5521-77",
                        ),
                        reply(
                            PRIYA,
                            "Hi Emily, you can update your bank details under Account > Billing. Reply here once done and we'll retry the payment.",
                        ),
                    ],
                ),
            ],
        },
        // A parcel stuck in transit, via Instagram; later a return by e-mail.
        Customer {
            identities: vec![
                social("instagram", "@lena.kr")?,
                Identity::email("lena.krueger@example.de")?,
            ],
            conversations: vec![
                ends(
                    Closed,
                    Normal,
                    Some(TOBIAS),
                    &["versand"],
                    vec![
                        inbound(
                            Social,
                            0,
                            "Lena Krüger",
                            None,
                            "Hey, mein Paket hängt laut Tracking seit 5 Tagen im Verteilzentrum. Könnt ihr mal nachhaken? Bestellung 100-48213",
                            "ig-17893344",
                        ),
                        note(
                            TOBIAS,
                            "Nachforschungsauftrag beim Versanddienstleister gestellt, Referenz NF-2291.",
                        ),
                        reply(
                            TOBIAS,
                            "Hallo Lena, wir haben beim Versanddienstleister nachgehakt. Das Paket wird morgen zugestellt – sorry für die Verzögerung!",
                        ),
                        inbound(
                            Social,
                            0,
                            "Lena Krüger",
                            None,
                            "Ist angekommen, danke euch! 🙌",
                            "ig-17893512",
                        ),
                    ],
                ),
                ends(
                    Open,
                    Normal,
                    None,
                    &["retoure"],
                    vec![inbound(
                        Email,
                        1,
                        "Lena Krüger",
                        Some("Rücksendung – Jacke zu klein"),
                        "Hallo,\n\ndie Jacke aus Bestellung 100-48213 ist mir leider zu klein. Wie funktioniert die Rücksendung, und kann ich sie gegen Größe M tauschen?\n\nLiebe Grüße\nLena",
                        "<demo-retoure-1@example.de>",
                    )],
                ),
            ],
        },
        // A phone call answered by e-mail.
        Customer {
            identities: vec![
                Identity::phone("+1 202 555 0143")?,
                Identity::email("m.brown@example.com")?,
            ],
            conversations: vec![ends(
                Resolved,
                High,
                Some(PRIYA),
                &["login", "account"],
                vec![
                    inbound(
                        Voice,
                        0,
                        "Michael Brown",
                        None,
                        "Call summary: customer cannot log in to the portal after requesting a password reset; the reset e-mail never arrived (spam folder checked).",
                        "call-8d02aa41",
                    ),
                    note(
                        PRIYA,
                        "Mail server log: the reset mails bounced with 552 mailbox full.",
                    ),
                    Step::Reply {
                        agent: PRIYA,
                        channel: Some(Email),
                        text: "Hi Michael,\n\nour password reset e-mails bounced because your mailbox was full. Once you've freed some space, the link I've just sent you will work for 24 hours.\n\nBest,\nPriya",
                    },
                ],
            )],
        },
        // A chat visitor with a pre-sales question, later a damaged delivery via the portal.
        Customer {
            identities: vec![
                device("visitor-8c21d4")?,
                Identity::email("sophie.martin@example.org")?,
            ],
            conversations: vec![
                ends(
                    Closed,
                    Low,
                    Some(PRIYA),
                    &["presales", "shipping"],
                    vec![
                        inbound(
                            Chat,
                            0,
                            "Sophie Martin",
                            None,
                            "Hello! Do you ship to Switzerland, and are customs fees included in the price?",
                            "chat-77c1-01",
                        ),
                        reply(
                            PRIYA,
                            "Hi Sophie! Yes, we ship to Switzerland within 3–5 working days. Customs fees are not included; the carrier collects them on delivery.",
                        ),
                    ],
                ),
                ends(
                    Resolved,
                    Normal,
                    Some(PRIYA),
                    &["damaged", "replacement"],
                    vec![
                        inbound(
                            Portal,
                            1,
                            "Sophie Martin",
                            Some("Order A-77812 arrived damaged"),
                            "My order A-77812 arrived today but the glass jar inside was broken. The box looked fine from the outside.",
                            "portal-a77812-1",
                        ),
                        reply(
                            PRIYA,
                            "Hi Sophie, sorry about that! A replacement is on its way (tracking follows by e-mail); no need to send the broken jar back.",
                        ),
                    ],
                ),
            ],
        },
        // A double charge by SMS, then a thank-you on WhatsApp.
        Customer {
            identities: vec![
                Identity::phone("+49 176 12345678")?,
                social("whatsapp", "ahmet.yilmaz")?,
                Identity::email("ahmet.yilmaz@example.de")?,
            ],
            conversations: vec![
                ends(
                    Closed,
                    High,
                    Some(MARA),
                    &["abrechnung", "erstattung"],
                    vec![
                        inbound(
                            Sms,
                            0,
                            "Ahmet Yılmaz",
                            None,
                            "Guten Tag, die Rechnung für März wurde doppelt abgebucht (2x 39,99 €). Bitte um Erstattung.",
                            "sms-7712-03",
                        ),
                        note(
                            MARA,
                            "Doppelbuchung bestätigt, Gutschrift über 39,99 € angewiesen.",
                        ),
                        reply(
                            TOBIAS,
                            "Guten Tag Herr Yılmaz, die doppelte Abbuchung war ein Fehler unsererseits. Die 39,99 € sind in 2–3 Werktagen wieder auf Ihrem Konto.",
                        ),
                    ],
                ),
                ends(
                    Open,
                    Low,
                    None,
                    &[],
                    vec![inbound(
                        Social,
                        1,
                        "Ahmet Yılmaz",
                        None,
                        "Danke für die schnelle Erstattung! Noch eine Frage: kann ich meine Rechnungen auch per Post bekommen?",
                        "wa-4a1f90",
                    )],
                ),
            ],
        },
        // A feature request in the portal, then an outage report on X.
        Customer {
            identities: vec![
                Identity::email("olivia.smith@example.net")?,
                social("x", "@oliviasmith")?,
            ],
            conversations: vec![
                ends(
                    Closed,
                    Low,
                    Some(PRIYA),
                    &["feature-request"],
                    vec![
                        inbound(
                            Portal,
                            0,
                            "Olivia Smith",
                            Some("Export tickets as CSV"),
                            "Hi team, it would be great if we could export our ticket history as CSV from the portal for our quarterly review.",
                            "portal-os-1",
                        ),
                        reply(
                            PRIYA,
                            "Thanks Olivia, great idea – I've passed it on to our product team and will let you know when it ships.",
                        ),
                    ],
                ),
                ends(
                    Open,
                    Urgent,
                    Some(TOBIAS),
                    &["outage"],
                    vec![
                        inbound(
                            Social,
                            1,
                            "Olivia Smith",
                            None,
                            "@demo your status page says all systems operational but the app has been down for 20 minutes here in London?!",
                            "x-1849302211",
                        ),
                        note(
                            TOBIAS,
                            "Incident INC-311 bestätigt (EU-West), Status-Page wird aktualisiert.",
                        ),
                        reply(
                            TOBIAS,
                            "Sorry Olivia, we're aware of a disruption in our EU region and are working on it. Updates on our status page.",
                        ),
                    ],
                ),
            ],
        },
        // A cancellation by e-mail, then a call about taking it back.
        Customer {
            identities: vec![
                Identity::email("klaus.becker@example.at")?,
                Identity::phone("+43 664 1234567")?,
            ],
            conversations: vec![
                ends(
                    Closed,
                    Normal,
                    Some(TOBIAS),
                    &["kündigung"],
                    vec![
                        inbound(
                            Email,
                            0,
                            "Klaus Becker",
                            Some("Kündigung meines Vertrags zum 31.12."),
                            "Sehr geehrte Damen und Herren,\n\nhiermit kündige ich meinen Vertrag (Kundennummer 55-10293) fristgerecht zum 31.12. Bitte bestätigen Sie mir die Kündigung schriftlich.\n\nMit freundlichen Grüßen\nKlaus Becker",
                            "<demo-kuendigung-1@example.at>",
                        ),
                        reply(
                            TOBIAS,
                            "Sehr geehrter Herr Becker,\n\nwir bestätigen die Kündigung Ihres Vertrags 55-10293 zum 31.12.\n\nMit freundlichen Grüßen\nTobias Berger",
                        ),
                    ],
                ),
                ends(
                    Pending,
                    High,
                    Some(MARA),
                    &["kündigung", "retention"],
                    vec![
                        inbound(
                            Voice,
                            1,
                            "Klaus Becker",
                            None,
                            "Anruf (Transkript): Herr Becker würde die Kündigung zurücknehmen, wenn er ein günstigeres Angebot bekommt. Bittet um Rückruf nach 17 Uhr.",
                            "call-c41b77e2",
                        ),
                        note(
                            MARA,
                            "Retention-Angebot freigegeben: 3 Monate 50 % Rabatt. Rückruf morgen nach 17 Uhr.",
                        ),
                    ],
                ),
            ],
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_valid() {
        let customers = customers().unwrap();
        assert_eq!(customers.len(), 8);
        assert_eq!(
            customers
                .iter()
                .map(|c| c.conversations.len())
                .sum::<usize>(),
            15
        );
        for c in &customers {
            for conv in &c.conversations {
                assert!(matches!(conv.steps.first(), Some(Step::Inbound { .. })));
                for step in &conv.steps {
                    if let Step::Inbound { identity, .. } = step {
                        assert!(*identity < c.identities.len());
                    }
                }
            }
        }
    }
}
