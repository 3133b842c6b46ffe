//! The `boutique` command line: serve | migrate | check | backup | restore. Exit codes:
//! 0 success, 1 a failed operation or a failed check, 2 bad usage or a bad config file.

use boutique::app::{self, Options};
use boutique::db;
use boutique::shop::ops;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "boutique — a complete online store in one binary

Usage:
  boutique serve   [--config FILE] [--listen ADDR] [--no-demo]
  boutique migrate [--config FILE]
  boutique check   [--config FILE]
  boutique backup  FILE [--config FILE]
  boutique restore FILE [--force] [--config FILE]
  boutique admin add EMAIL [--role owner|staff] [--config FILE]

Without --config, ./store.toml is used when present, else built-in defaults
(a demo store with its data in ./data).";

struct Args {
    command: String,
    positional: Vec<String>,
    config: Option<PathBuf>,
    listen: Option<String>,
    no_demo: bool,
    force: bool,
    role: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let command = it.next().ok_or_else(|| USAGE.to_string())?;
    let mut a = Args {
        command,
        positional: Vec::new(),
        config: None,
        listen: None,
        no_demo: false,
        force: false,
        role: None,
    };
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--config" => a.config = Some(it.next().ok_or("--config needs a file")?.into()),
            "--listen" => a.listen = Some(it.next().ok_or("--listen needs an address")?),
            "--no-demo" => a.no_demo = true,
            "--force" => a.force = true,
            "--role" => a.role = Some(it.next().ok_or("--role needs owner or staff")?),
            s if s.starts_with("--") => return Err(format!("unknown option {s}\n\n{USAGE}")),
            _ => a.positional.push(arg),
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = match args.command.as_str() {
        "serve" => serve(&args),
        "migrate" => with_config(&args, migrate),
        "check" => with_config(&args, check),
        "backup" => with_config(&args, backup),
        "restore" => with_config(&args, restore),
        "admin" => with_config(&args, admin),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err((2, format!("unknown command {other:?}\n\n{USAGE}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, msg)) => {
            eprintln!("{msg}");
            ExitCode::from(code)
        }
    }
}

type CmdResult = Result<(), (u8, String)>;

fn with_config(
    args: &Args,
    f: impl FnOnce(&Args, &boutique::config::Config) -> CmdResult,
) -> CmdResult {
    let (cfg, _) = app::load_config(args.config.as_deref()).map_err(|e| (2, e))?;
    f(args, &cfg)
}

/// glibc gives each thread that mallocs its own arena; with a thread per connection that
/// grows RSS by tens of MB under load for no speed gain. Two arenas are plenty here.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tuning; called before any server thread starts.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn serve(args: &Args) -> CmdResult {
    limit_malloc_arenas();
    // A bad config file is a usage error (exit 2), reported before anything starts.
    app::load_config(args.config.as_deref()).map_err(|e| (2, e))?;
    let stop = boutique::http::server::install_signal_handlers();
    let running = app::start(Options {
        config_path: args.config.clone(),
        listen: args.listen.clone(),
        demo: !args.no_demo,
        server: None,
        access_log: true,
        mail_tick: None,
    })
    .map_err(|e| (1, e))?;
    // The URL is the first line on stdout: scripts and tests read it.
    println!("{}", running.url);
    eprintln!(
        "boutique: serving {} from {}",
        running.app.cfg().store.name,
        running.app.data_dir.display()
    );
    let _ = stop;
    running.handle.wait();
    eprintln!("boutique: stopped");
    Ok(())
}

fn db_path(cfg: &boutique::config::Config) -> PathBuf {
    cfg.server.data_dir.join("store.db")
}

/// Takes the data directory's lock for an offline command, or explains who holds it.
fn lock_offline(
    cfg: &boutique::config::Config,
    command: &str,
) -> Result<ops::DataLock, (u8, String)> {
    ops::lock_data_dir(&cfg.server.data_dir).map_err(|f| match f {
        ops::LockFailure::Held { pid } => (
            1,
            ops::running_store_message(&cfg.server.data_dir, pid, command),
        ),
        ops::LockFailure::Io(e) => (1, e.to_string()),
    })
}

fn migrate(_: &Args, cfg: &boutique::config::Config) -> CmdResult {
    // Migrating rewrites the schema: never under a live server.
    let _lock = lock_offline(cfg, "migrate")?;
    let db = app::open_db(cfg).map_err(|e| (1, e.to_string()))?;
    let conn = db.read().map_err(|e| (1, e.to_string()))?;
    let v: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| (1, e.to_string()))?;
    println!("database {} is at schema version {v}", db.path().display());
    Ok(())
}

fn check(_: &Args, cfg: &boutique::config::Config) -> CmdResult {
    let path = db_path(cfg);
    if !path.exists() {
        return Err((1, format!("no database at {}", path.display())));
    }
    let problems = ops::check(&path, &cfg.server.data_dir).map_err(|e| (1, e.to_string()))?;
    if problems.is_empty() {
        println!(
            "ok: {} passed integrity, foreign-key and stock-ledger checks",
            path.display()
        );
        Ok(())
    } else {
        for p in &problems {
            println!("problem: {p}");
        }
        Err((1, format!("{} problem(s) found", problems.len())))
    }
}

fn one_file(args: &Args) -> Result<&Path, (u8, String)> {
    match args.positional.as_slice() {
        [f] => Ok(Path::new(f)),
        _ => Err((2, format!("expected exactly one FILE\n\n{USAGE}"))),
    }
}

fn backup(args: &Args, cfg: &boutique::config::Config) -> CmdResult {
    let target = one_file(args)?;
    let path = db_path(cfg);
    if !path.exists() {
        return Err((1, format!("no database at {}", path.display())));
    }
    let s = ops::backup(&path, &cfg.server.data_dir, target).map_err(|e| {
        (
            1,
            e.public.clone() + &e.detail.map(|d| format!(" ({d})")).unwrap_or_default(),
        )
    })?;
    println!(
        "backup written to {} ({} bytes, {} proof file(s))",
        target.display(),
        s.size,
        s.files
    );
    Ok(())
}

fn restore(args: &Args, cfg: &boutique::config::Config) -> CmdResult {
    let file = one_file(args)?;
    if !file.is_file() {
        return Err((1, format!("{} does not exist", file.display())));
    }
    // Held until the restore is done: no server may run on a database being replaced.
    let _lock = lock_offline(cfg, "restore")?;
    // Say what the file is not before touching anything else.
    ops::inspect_backup(file).map_err(|e| (1, e.public))?;
    let path = db_path(cfg);
    let newer = ops::newer_than_backup(&path, file).map_err(|e| (1, e.to_string()))?;
    if path.exists() {
        if newer.is_empty() {
            println!("The current store has nothing that the backup lacks.");
        } else {
            println!("The current store has rows that the backup lacks (they will be lost):");
            for (t, n) in &newer {
                println!("  {t}: {n}");
            }
        }
        if !args.force {
            return Err((
                1,
                format!(
                    "refusing to overwrite {} without --force (stop the store first)",
                    path.display()
                ),
            ));
        }
    }
    let n = ops::restore(file, &path, &cfg.server.data_dir).map_err(|e| (1, e.to_string()))?;
    let _ = db::now();
    println!(
        "restored {} from {} ({n} proof file(s))",
        path.display(),
        file.display()
    );
    Ok(())
}

/// `admin add EMAIL [--role owner|staff]`: creates or promotes the person and prints a
/// one-time sign-in URL (15 minutes) — works with no mail configured.
fn admin(args: &Args, cfg: &boutique::config::Config) -> CmdResult {
    let [sub, email] = args.positional.as_slice() else {
        return Err((
            2,
            format!("expected: admin add EMAIL [--role owner|staff]\n\n{USAGE}"),
        ));
    };
    if sub != "add" {
        return Err((2, format!("unknown admin command {sub:?}\n\n{USAGE}")));
    }
    let role = args.role.as_deref().unwrap_or("owner");
    if !matches!(role, "owner" | "staff") {
        return Err((2, "--role must be owner or staff".into()));
    }
    let db = app::open_db(cfg).map_err(|e| (1, e.to_string()))?;
    let now = db::now();
    let token = db
        .write_tx(|tx| {
            let email = boutique::shop::signin::normalize_email(email)?;
            let c = boutique::shop::accounts::find_or_create(tx, &email, now)?;
            boutique::shop::accounts::set_role(tx, c.id, role)?;
            boutique::shop::signin::issue_link(tx, &email, "/admin", now)
        })
        .map_err(|e| (1, e.public))?;
    println!("{}/account/sign-in/link?token={token}", cfg.store.url);
    eprintln!("{email} is now {role}. The link above signs them in once, within 15 minutes.");
    Ok(())
}
