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

fn spawn(dir: &Path, port: u16) -> Child {
    // Debian puts it in /usr/sbin, which a CI PATH may lack.
    let exe = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("mosquitto");
    let mut child = Command::new(exe)
        .arg("-c")
        .arg(dir.join("mosquitto.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto is installed");
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the private broker did not start");
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
    let exe = ["/usr/sbin/nats-server", "/usr/local/bin/nats-server"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("nats-server");
    let mut child = Command::new(exe)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server is installed");
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return child;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the private NATS server did not start");
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
