//! A real Dovecot IMAP server (Debian's dovecot-imapd) on a loopback port, with one user and
//! a Maildir the test delivers into. Started per test, stopped on drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const USER: &str = "support";
pub const PASSWORD: &str = "s3cret-imap";

pub struct Dovecot {
    pub port: u16,
    maildir: PathBuf,
    child: Child,
    seq: u32,
    _dir: tempfile::TempDir,
}

const BINARY: &str = "/usr/sbin/dovecot";

impl Dovecot {
    /// Starts Dovecot; `None` (with a loud notice) when it is not installed, unless
    /// `KAIROS_TEST_DOVECOT=required` (CI), where its absence fails the test.
    pub fn start() -> Option<Self> {
        if !std::path::Path::new(BINARY).exists() {
            assert!(
                std::env::var("KAIROS_TEST_DOVECOT").as_deref() != Ok("required"),
                "KAIROS_TEST_DOVECOT=required but {BINARY} is missing (apt-get install dovecot-imapd)"
            );
            eprintln!(
                "\n*** NOTICE: Dovecot is not installed (apt-get install dovecot-imapd): IMAP tests did NOT run ***\n"
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // Dovecot's unprivileged login processes must reach their sockets under base_dir.
        set_mode(root, 0o755);
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let maildir = root.join("mail").join(USER).join("Maildir");
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).unwrap();
        }
        std::fs::write(root.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        let (uid, gid, internal, login) = identity();
        // Dovecot refuses to access mail as root: the mail belongs to the mail user.
        chown_tree(
            &root.join("mail"),
            uid.parse().unwrap(),
            gid.parse().unwrap(),
        );
        let conf = format!(
            r#"base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
first_valid_gid = 0
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
mail_location = maildir:{root}/mail/%u/Maildir
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"#,
            root = root.display()
        );
        let conf_path = root.join("dovecot.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let mut child = Command::new(BINARY)
            .args(["-F", "-c"])
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("cannot start dovecot");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Self {
                    port,
                    maildir,
                    child,
                    seq: 0,
                    _dir: dir,
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        let log = std::fs::read_to_string(root.join("dovecot.log")).unwrap_or_default();
        panic!("dovecot did not listen on {port}: {log}");
    }

    /// Delivers a message into the mailbox (Maildir: write to tmp, rename into new).
    pub fn deliver(&mut self, raw: &[u8]) {
        self.seq += 1;
        let name = format!("{}.{}.kairos-test", 1_700_000_000 + self.seq, self.seq);
        let tmp = self.maildir.join("tmp").join(&name);
        std::fs::write(&tmp, raw).unwrap();
        std::fs::rename(&tmp, self.maildir.join("new").join(&name)).unwrap();
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The mail uid and gid and the users Dovecot's processes run as: Dovecot's own users when
/// run by root (mail may not be accessed as root), otherwise the current user for all.
fn identity() -> (String, String, String, String) {
    let out = |args: &[&str]| {
        String::from_utf8(Command::new("id").args(args).output().unwrap().stdout)
            .unwrap()
            .trim()
            .to_owned()
    };
    let (uid, name) = (out(&["-u"]), out(&["-un"]));
    if uid == "0" {
        let (mail_uid, mail_gid) = (out(&["-u", "dovecot"]), out(&["-g", "dovecot"]));
        (mail_uid, mail_gid, "dovecot".into(), "dovenull".into())
    } else {
        (uid, out(&["-g"]), name.clone(), name)
    }
}

fn chown_tree(path: &std::path::Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), uid, gid);
        }
    }
}

fn set_mode(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
