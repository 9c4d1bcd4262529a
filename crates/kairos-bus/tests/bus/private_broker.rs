//! A private Mosquitto for what the shared one cannot show: a plain and a TLS listener with
//! a CA made by openssl (`mqtts://`), and restarts. Killed when dropped.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct PrivateBroker {
    child: Child,
    pub dir: tempfile::TempDir,
    pub plain: u16,
    pub tls: u16,
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn openssl(dir: &Path, args: &str) {
    let ok = Command::new("openssl")
        .args(args.split(' '))
        .current_dir(dir)
        .stderr(Stdio::null())
        .status()
        .expect("openssl is installed")
        .success();
    assert!(ok, "openssl {args}");
}

/// The program, from /usr/sbin where Debian puts it and a CI PATH may not look.
fn sbin(name: &str) -> String {
    let path = format!("/usr/sbin/{name}");
    if Path::new(&path).exists() {
        path
    } else {
        name.to_owned()
    }
}

/// Starts `cmd` and waits until it listens on `port`.
fn launch(mut cmd: Command, port: u16) -> Child {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{cmd:?} did not start");
}

fn spawn(dir: &Path, port: u16) -> Child {
    let mut cmd = Command::new(sbin("mosquitto"));
    cmd.arg("-c").arg(dir.join("mosquitto.conf"));
    launch(cmd, port)
}

impl PrivateBroker {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
        openssl(
            d,
            &format!(
                "req -x509 {key} -keyout ca.key -out ca.pem -days 2 -subj /CN=kairos-test-ca -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign"
            ),
        );
        openssl(
            d,
            &format!("req {key} -keyout srv.key -out srv.csr -subj /CN=localhost"),
        );
        std::fs::write(
            d.join("ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(
            d,
            "x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext",
        );
        let (plain, tls) = (free_port(), free_port());
        let p = d.display();
        std::fs::write(
            d.join("mosquitto.conf"),
            format!(
                "allow_anonymous true\npersistence false\nuser root\nlistener {plain} 127.0.0.1\n\
                 listener {tls} 127.0.0.1\ncafile {p}/ca.pem\ncertfile {p}/srv.pem\nkeyfile {p}/srv.key\n"
            ),
        )
        .unwrap();
        let child = spawn(d, tls);
        Self {
            child,
            dir,
            plain,
            tls,
        }
    }

    /// Stops the broker, waits a moment (clients see the connection drop) and starts it again
    /// on the same ports, remembering nothing.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(700));
        self.child = spawn(self.dir.path(), self.plain);
    }
}

/// A private NATS server with JetStream, its store in a temporary folder; killed when
/// dropped.
pub struct PrivateNats {
    child: Child,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_nats(dir: &Path, port: u16) -> Child {
    let mut cmd = Command::new(sbin("nats-server"));
    cmd.args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir);
    launch(cmd, port)
}

impl PrivateNats {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = spawn_nats(dir.path(), port);
        Self { child, dir, port }
    }

    /// Stops the server and starts it again on the same port and store (streams and
    /// durable consumers survive).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(700));
        self.child = spawn_nats(self.dir.path(), self.port);
    }
}
