//! Running out of file descriptors must not kill the accept loop (tiny_http's accept thread
//! died for good). This lives in its own test binary because it exhausts the whole process's
//! descriptor table, which would break any test running next to it.

#[path = "rawhttp/mod.rs"]
mod common;

use common::*;
use std::fs::File;
use std::thread;
use std::time::Duration;

#[test]
fn accept_loop_survives_fd_exhaustion() {
    let h = start(test_config());
    let addr = h.local_addr();
    assert_serves(addr);

    // Lower the soft limit (serve() raised it) so exhausting it is quick.
    // SAFETY: plain getrlimit/setrlimit on a local struct.
    unsafe {
        let mut lim: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        lim.rlim_cur = 512;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
    }
    let mut files = Vec::new();
    loop {
        match File::open("/dev/null") {
            Ok(f) => files.push(f),
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e}");
                break;
            }
        }
    }
    // Free exactly one descriptor for the client socket: the server's accept() then hits EMFILE.
    files.pop();
    let mut c = Client::connect(addr);
    c.send(&get("/"));
    thread::sleep(Duration::from_millis(400)); // accept loop fails and backs off meanwhile
    drop(files);
    let r = c
        .response()
        .expect("pending connection answered once fds are back");
    assert_eq!(r.status, 200);
    assert_serves(addr);
    h.shutdown();
}
