//! The command line through the real binary: serve prints its URL first and stops cleanly
//! on SIGTERM; a bad config exits 2 naming file:line; check finds ledger problems; backup
//! taken while the store serves and writes restores to a store that passes check.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_boutique");

fn write_config(dir: &Path, extra: &str) -> std::path::PathBuf {
    let p = dir.join("store.toml");
    std::fs::write(
        &p,
        format!("[store]\nname = \"CLI Shop\"\n\n[server]\ndata_dir = \"data\"\nsynchronous = \"normal\"\n{extra}"),
    )
    .unwrap();
    p
}

fn serve(config: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(BIN)
        .arg("serve")
        .arg("--config")
        .arg(config)
        .args(["--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(
        url.starts_with("http://127.0.0.1:"),
        "first line is the URL: {url:?}"
    );
    (child, url)
}

fn get(url: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().unwrap();
    (
        r.status().as_u16(),
        r.body_mut().read_to_string().unwrap_or_default(),
    )
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sigterm_and_wait(mut child: Child) -> i32 {
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st.code().unwrap_or(-1);
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "server did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_prints_url_first_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let (child, url) = serve(&cfg, &["--no-demo"]);
    let (status, body) = get(&format!("{url}/healthz"));
    assert_eq!((status, body.lines().next()), (200, Some("ok")), "{body}");
    let (status, body) = get(&format!("{url}/"));
    assert_eq!(status, 200);
    assert!(body.contains("CLI Shop"));
    assert_eq!(sigterm_and_wait(child), 0);
    assert!(dir.path().join("data/store.db").exists());
}

#[test]
fn a_bad_config_exits_2_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("store.toml");
    std::fs::write(&p, "[store]\nname = \"x\"\ncurrency_digits = 9\n").unwrap();
    let (code, _, err) = run(&[
        "serve",
        "--config",
        p.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("store.toml:3"), "{err}");
    std::fs::write(&p, "[store]\nnmae = \"x\"\n").unwrap();
    let (code, _, err) = run(&["check", "--config", p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("store.toml:2"), "{err}");
    let (code, _, err) = run(&[
        "serve",
        "--config",
        dir.path().join("missing.toml").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = run(&["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn check_passes_on_a_healthy_store_and_names_a_ledger_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let c = cfg.to_str().unwrap();
    let (code, out, err) = run(&["migrate", "--config", c]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("schema version"));
    // Seed through the library, then break the ledger behind the store's back.
    {
        let db = boutique::db::Db::open(
            &dir.path().join("data/store.db"),
            boutique::db::Sync::Normal,
            1,
        )
        .unwrap();
        let now = boutique::db::now();
        db.write_tx(|tx| {
            boutique::shop::catalog::create_simple_product(tx, "jar", "Jar", "JAR-1", 100, 5, now)
        })
        .unwrap();
    }
    let (code, out, _) = run(&["check", "--config", c]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("ok"));
    let conn = rusqlite::Connection::open(dir.path().join("data/store.db")).unwrap();
    conn.execute("UPDATE variants SET stock = 7 WHERE sku = 'JAR-1'", [])
        .unwrap();
    drop(conn);
    let (code, out, _) = run(&["check", "--config", c]);
    assert_eq!(code, 1);
    assert!(
        out.contains("JAR-1 has stock 7 but its ledger adds up to 5"),
        "{out}"
    );
}

#[test]
fn backup_while_serving_and_writing_then_restore_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let c = cfg.to_str().unwrap().to_string();
    let (child, url) = serve(&cfg, &[]);
    assert_eq!(get(&format!("{url}/")).0, 200);
    // A stand-in payment proof, so the backup carries files too.
    std::fs::create_dir_all(dir.path().join("data/proofs")).unwrap();
    std::fs::write(
        dir.path().join("data/proofs/p1.jpg"),
        b"\xFF\xD8\xFFproof bytes",
    )
    .unwrap();

    // Writer: stock moves through the ledger in a second process-level connection while
    // the backup runs (the real server is up and serving the whole time).
    let db_path = dir.path().join("data/store.db");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let db_path = db_path.clone();
        std::thread::spawn(move || {
            let db = boutique::db::Db::open(&db_path, boutique::db::Sync::Normal, 1).unwrap();
            let vid: i64 = db
                .read()
                .unwrap()
                .query_row(
                    "SELECT id FROM variants WHERE stock > 10 LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let d = if n % 2 == 0 { 1 } else { -1 };
                db.write_tx(|tx| {
                    boutique::shop::catalog::adjust_stock(
                        tx,
                        vid,
                        d,
                        "correction",
                        "test",
                        "",
                        boutique::db::now(),
                    )
                })
                .unwrap();
                n += 1;
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let bak = dir.path().join("backup.boutique");
    let (code, out, err) = run(&["backup", bak.to_str().unwrap(), "--config", &c]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 proof file"), "{out}");
    assert_eq!(get(&format!("{url}/healthz")).0, 200, "still serving");
    // Settings show it as the last backup; the audit log says how it was taken.
    {
        let db = boutique::db::Db::open(&db_path, boutique::db::Sync::Normal, 1).unwrap();
        let c = db.read().unwrap();
        let at = boutique::admin_data::settings::last_backup(&c).unwrap();
        assert!(at.is_some_and(|t| t > boutique::db::now() - 60), "{at:?}");
        let how: String = c
            .query_row(
                "SELECT summary FROM audit_log WHERE action = 'settings.backup'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(how.contains("boutique backup"), "{how}");
    }
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let writes = writer.join().unwrap();
    assert!(writes > 2, "writes happened during the backup ({writes})");
    // A second backup to the same name is refused.
    let (code, _, _) = run(&["backup", bak.to_str().unwrap(), "--config", &c]);
    assert_eq!(code, 1);
    assert_eq!(sigterm_and_wait(child), 0);

    // Restore refuses without --force and says what would be lost.
    let (code, out, err) = run(&["restore", bak.to_str().unwrap(), "--config", &c]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("stock_ledger:"), "{out}");
    assert!(err.contains("--force"), "{err}");
    std::fs::remove_file(dir.path().join("data/proofs/p1.jpg")).unwrap();
    let (code, out, err) = run(&["restore", bak.to_str().unwrap(), "--force", "--config", &c]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        std::fs::read(dir.path().join("data/proofs/p1.jpg")).unwrap(),
        b"\xFF\xD8\xFFproof bytes"
    );
    let (code, out, _) = run(&["check", "--config", &c]);
    assert_eq!(code, 0, "{out}");
    // And the restored store serves its catalog.
    let (child, url) = serve(&cfg, &[]);
    let (status, body) = get(&format!("{url}/api/v1/products"));
    assert_eq!(status, 200);
    assert!(body.contains("handloom-cotton-tee"));
    assert_eq!(sigterm_and_wait(child), 0);
    // Garbage is not a backup.
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"not a database at all, definitely not").unwrap();
    let (code, _, err) = run(&["restore", junk.to_str().unwrap(), "--force", "--config", &c]);
    assert_eq!(code, 1, "{err}");
}

fn inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

#[test]
fn restore_and_migrate_refuse_while_a_server_holds_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let c = cfg.to_str().unwrap().to_string();
    let (child, url) = serve(&cfg, &[]);
    let bak = dir.path().join("b.boutique");
    let (code, out, err) = run(&["backup", bak.to_str().unwrap(), "--config", &c]);
    assert_eq!(code, 0, "{out}{err}");
    let db = dir.path().join("data/store.db");
    let before = inode(&db);
    let pid = child.id();
    let (code, out, err) = run(&["restore", bak.to_str().unwrap(), "--force", "--config", &c]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains(&format!("running (pid {pid})")), "{err}");
    assert!(err.contains("Stop it first"), "{err}");
    assert_eq!(inode(&db), before, "database file untouched");
    let (code, _, err) = run(&["migrate", "--config", &c]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("pid {pid}")) && err.contains("migrate"),
        "{err}"
    );
    // A second server on the same data dir is refused too.
    let (code, _, err) = run(&["serve", "--config", &c, "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already serving"), "{err}");
    assert_eq!(
        get(&format!("{url}/healthz")).0,
        200,
        "first server unharmed"
    );
    assert_eq!(sigterm_and_wait(child), 0);
    // Stopped: the lock is free and restore works.
    let (code, out, err) = run(&["restore", bak.to_str().unwrap(), "--force", "--config", &c]);
    assert_eq!(code, 0, "{out}{err}");
    assert_ne!(inode(&db), before);
}

#[test]
fn a_stale_lock_file_from_a_killed_server_blocks_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let c = cfg.to_str().unwrap().to_string();
    let (mut child, _) = serve(&cfg, &["--no-demo"]);
    let pid = child.id();
    child.kill().unwrap();
    child.wait().unwrap();
    let lock = dir.path().join("data/boutique.lock");
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap().trim(),
        pid.to_string()
    );
    let (code, out, err) = run(&["migrate", "--config", &c]);
    assert_eq!(code, 0, "{out}{err}");
    // A hand-made file naming a pid that does not exist does not block either.
    std::fs::write(&lock, "999999\n").unwrap();
    let (child, _) = serve(&cfg, &["--no-demo"]);
    assert_eq!(
        std::fs::read_to_string(&lock).unwrap().trim(),
        child.id().to_string()
    );
    assert_eq!(sigterm_and_wait(child), 0);
}

#[test]
fn restore_says_what_a_file_that_is_not_a_backup_is() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let c = cfg.to_str().unwrap().to_string();
    let (code, _, err) = run(&["migrate", "--config", &c]);
    assert_eq!(code, 0, "{err}");
    let db = dir.path().join("data/store.db");
    let try_restore = |f: &Path| {
        let (code, out, err) = run(&["restore", f.to_str().unwrap(), "--force", "--config", &c]);
        assert_eq!(code, 1, "{out}{err}");
        assert!(
            !err.contains("internal") && !err.contains("went wrong"),
            "{err}"
        );
        err
    };
    let junk = dir.path().join("junk");
    std::fs::write(&junk, b"not a database at all, definitely not").unwrap();
    assert!(try_restore(&junk).contains("not a SQLite database file at all"));
    std::fs::write(&junk, b"").unwrap();
    assert!(try_restore(&junk).contains("is empty"));
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('x');")
        .unwrap();
    assert!(try_restore(&other).contains("a SQLite database but not a boutique backup"));
    let copy = dir.path().join("store-copy.db");
    // A consistent copy of the live database (what `sqlite3 .backup` would make).
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    assert!(
        try_restore(&copy).contains("a boutique store database (a copy of store.db), not a backup")
    );
    let bak = dir.path().join("b.boutique");
    let (code, _, err) = run(&["backup", bak.to_str().unwrap(), "--config", &c]);
    assert_eq!(code, 0, "{err}");
    let newer = dir.path().join("newer.boutique");
    std::fs::copy(&bak, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 999;")
        .unwrap();
    assert!(try_restore(&newer).contains("from a newer version of boutique (schema version 999"));
    let cut = dir.path().join("cut.boutique");
    let bytes = std::fs::read(&bak).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = try_restore(&cut);
    assert!(
        err.contains("damaged or was not copied completely"),
        "{err}"
    );
    // The real backup still restores.
    let (code, out, err) = run(&["restore", bak.to_str().unwrap(), "--force", "--config", &c]);
    assert_eq!(code, 0, "{out}{err}");
}

/// Operator conventions: `--version`, `help [COMMAND]` and `--help` after any command print
/// on stdout and exit 0 without touching a data directory; options are checked per
/// command, and a stray argument is a usage error (2) naming it, with that command's usage.
#[test]
fn version_help_and_options_checked_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, _) = run(&["--version"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        format!("boutique {}", env!("CARGO_PKG_VERSION"))
    );
    for cmd in ["serve", "migrate", "check", "backup", "restore", "admin"] {
        let (code, out, err) = run(&["help", cmd]);
        assert_eq!(code, 0, "help {cmd}: {err}");
        assert!(out.starts_with(&format!("Usage: boutique {cmd}")), "{out}");
        // --help wins over anything else on the line, even a missing file.
        let (code, again, _) = run(&[cmd, "--config", "/nonexistent/store.toml", "--help"]);
        assert_eq!(code, 0, "{cmd} --help");
        assert_eq!(again, out);
    }
    let (code, out, _) = run(&["help"]);
    assert_eq!(code, 0);
    assert!(out.contains("boutique help [COMMAND]"), "{out}");

    let cfg = write_config(dir.path(), "");
    let cfg = cfg.to_str().unwrap();
    let backup = format!("{d}/b.db");
    for (args, says) in [
        (
            vec!["backup", &backup, "--force", "--config", cfg],
            "backup does not take --force",
        ),
        (
            vec!["check", "--no-demo", "--config", cfg],
            "check does not take --no-demo",
        ),
        (vec!["serve", "--bogus"], "unknown option --bogus"),
        (
            vec!["check", "extra", "--config", cfg],
            "unexpected argument \"extra\"",
        ),
        (vec!["help", "nope"], "unknown command \"nope\""),
        (vec!["restore", "--config"], "--config needs a file"),
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.starts_with(says), "{args:?}: {err}");
        assert!(err.contains("Usage:"), "{args:?}: {err}");
    }
    // None of it made a data directory or wrote the backup.
    assert!(!dir.path().join("data").exists());
    assert!(!Path::new(&backup).exists());
}

/// A secret may be given by environment variable instead of store.toml: the Resend
/// transport needs its key and finds it there, and Admin → Settings says where it came from, never
/// the value.
#[test]
fn a_secret_from_the_environment_counts_and_settings_name_its_source() {
    const VAR: &str = "BOUTIQUE_RESEND_API_KEY";
    const KEY: &str = "re_from_the_environment_42";
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(
        dir.path(),
        "\n[email]\ntransport = \"resend\"\nresend_base_url = \"http://127.0.0.1:9\"\n",
    );
    let with_env = |cmd: &str, env: Option<&str>| {
        let mut c = Command::new(BIN);
        c.args([cmd, "--config"]).arg(&cfg).env_remove(VAR);
        if let Some(v) = env {
            c.env(VAR, v);
        }
        c.output().unwrap()
    };
    let out = with_env("migrate", None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs resend_api_key"));
    let out = with_env("migrate", Some(KEY));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = with_env("check", Some(KEY));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-demo", "--config"])
        .arg(&cfg)
        .env(VAR, KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let url = url.trim().to_string();
    // Every command reads store.toml, so the variable is set for this one too.
    let out = Command::new(BIN)
        .args(["admin", "add", "owner@example.com", "--config"])
        .arg(&cfg)
        .env(VAR, KEY)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    let link = out.lines().next().unwrap();
    // No `[store] url` configured: the link points where the store really listens.
    assert!(
        link.starts_with(&format!("{url}/account/")),
        "{link} vs {url}"
    );
    let path = &link[link.find("/account/").unwrap()..];
    let p = crate::common::request("GET", &format!("{url}{path}"), &[]);
    assert_eq!(p.status, 303);
    let cookie = crate::common::session_cookie(&p).expect("signed in");
    let p = crate::common::request(
        "GET",
        &format!("{url}/admin/settings"),
        &[("Cookie", &cookie)],
    );
    assert_eq!(p.status, 200, "{}", p.text());
    let html = p.text();
    assert!(
        html.contains(&format!("from the environment variable <code>{VAR}</code>")),
        "{html}"
    );
    assert!(!html.contains(KEY), "the key itself is never shown");
    assert_eq!(sigterm_and_wait(child), 0);
}

/// The access line of a request, as the real binary writes it on stderr through the log:
/// UTC time to the millisecond, level, target `access`, the request id the response
/// carried, then the client, method, path without its query, status and duration. With
/// `[server] log_level = "warn,access=off"` or `RUST_LOG` the lines can be turned off.
#[test]
fn the_access_line_has_time_client_method_path_status_duration_and_id() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "");
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-demo", "--config"])
        .arg(&cfg)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let p = crate::common::request("GET", &format!("{}/search?q=secret-word", url.trim()), &[]);
    assert_eq!(p.status, 200);
    let id = p.header("x-request-id").unwrap().to_string();
    // Kept open to the end: a closed stderr would make the server's last line fail.
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.contains(&format!(" access [{id}] ")))
        .expect("an access line for the request");
    let f: Vec<&str> = line.split(' ').collect();
    assert_eq!(f.len(), 9, "{line}");
    let t = f[0];
    assert!(
        t.len() == 24 && t.ends_with('Z') && &t[10..11] == "T" && t.starts_with("20"),
        "{line}"
    );
    assert_eq!(&f[1..3], ["INFO", "access"], "{line}");
    assert_eq!(&f[4..8], ["127.0.0.1", "GET", "/search", "200"], "{line}");
    assert!(
        f[8].ends_with("ms") && f[8][..f[8].len() - 2].parse::<u64>().is_ok(),
        "{line}"
    );
    assert!(!line.contains("secret-word"), "no query string in the log");
    assert_eq!(sigterm_and_wait(child), 0);
    drop(lines);
}

/// `[server] log_level` chooses what the log writes (here: warnings only, no access
/// lines), and `RUST_LOG` wins over it when set.
#[test]
fn log_level_from_config_and_rust_log_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "log_level = \"warn,access=off\"\n");
    let run = |rust_log: Option<&str>| -> String {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--no-demo", "--config"])
            .arg(&cfg)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(v) = rust_log {
            cmd.env("RUST_LOG", v);
        }
        let mut child = cmd.spawn().unwrap();
        let mut url = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut url)
            .unwrap();
        let p = crate::common::request("GET", &format!("{}/", url.trim()), &[]);
        assert_eq!(p.status, 200);
        let mut err = child.stderr.take().unwrap();
        assert_eq!(sigterm_and_wait(child), 0);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut err, &mut text).unwrap();
        text
    };
    let quiet = run(None);
    assert!(!quiet.contains(" access ["), "{quiet}");
    assert!(!quiet.contains(" INFO "), "{quiet}");
    let loud = run(Some("info"));
    assert!(loud.contains(" INFO access ["), "{loud}");
    assert!(loud.contains(" INFO boutique "), "the start line: {loud}");
}
