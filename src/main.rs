//! The `boutique` command line: serve | migrate | check | backup | restore | admin, with
//! `help [COMMAND]`, `COMMAND --help` and `--version`. Exit codes: 0 success (and help),
//! 1 a failed operation or a failed check, 2 bad usage or a bad config file.

use boutique::app::{self, Options};
use boutique::db;
use boutique::ops;
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
  boutique help [COMMAND]      boutique --version

Without --config, ./store.toml is used when present, else built-in defaults
(a demo store with its data in ./data). `boutique help COMMAND` or
`boutique COMMAND --help` says more about one command.";

/// One command of the CLI: what `help` says of it and what it accepts, so options are
/// checked per command (`backup --force` is a usage error, not silently ignored).
struct Command {
    name: &'static str,
    synopsis: &'static str,
    about: &'static str,
    /// Options this command takes; `--config` is taken by all.
    options: &'static [&'static str],
    /// How many plain arguments it takes.
    positional: usize,
}

const COMMANDS: &[Command] = &[
    Command {
        name: "serve",
        synopsis: "boutique serve [--config FILE] [--listen ADDR] [--no-demo]",
        about: "Runs the store. Prints its URL on the first line of stdout. --listen overrides\n\
                [server] listen; --no-demo starts an empty store instead of the demo one.\n\
                Stops cleanly on SIGTERM or Ctrl-C after the requests in flight.",
        options: &["--listen", "--no-demo"],
        positional: 0,
    },
    Command {
        name: "migrate",
        synopsis: "boutique migrate [--config FILE]",
        about: "Brings the database up to this version's schema and exits. Refused while a\n\
                store is serving the data directory (stop it first).",
        options: &[],
        positional: 0,
    },
    Command {
        name: "check",
        synopsis: "boutique check [--config FILE]",
        about: "Checks store.toml and the database (integrity, stock ledger, proof files).\n\
                Exit 0 when all is well, 1 when a check fails, 2 for a bad config file.",
        options: &[],
        positional: 0,
    },
    Command {
        name: "rebuild",
        synopsis: "boutique rebuild wishlist [--config FILE]",
        about: "Rebuilds the wishlist view from the saved items (also while the store is\n\
                serving) and says how many rows were missing, stale or left over.",
        options: &[],
        positional: 1,
    },
    Command {
        name: "backup",
        synopsis: "boutique backup FILE [--config FILE]",
        about: "Writes a consistent copy of the whole store (database and payment proofs) to\n\
                FILE, also while the store is serving.",
        options: &[],
        positional: 1,
    },
    Command {
        name: "restore",
        synopsis: "boutique restore FILE [--force] [--config FILE]",
        about: "Replaces the store's data with the backup FILE. Needs --force when data is\n\
                there already; refused while a store is serving the data directory.",
        options: &["--force"],
        positional: 1,
    },
    Command {
        name: "admin",
        synopsis: "boutique admin add EMAIL [--role owner|staff] [--config FILE]",
        about: "Creates or promotes EMAIL (default role owner) and prints a one-time sign-in\n\
                link valid for 15 minutes; works with no mail set up.",
        options: &["--role"],
        positional: 2,
    },
];

fn command(name: &str) -> Option<&'static Command> {
    COMMANDS.iter().find(|c| c.name == name)
}

fn command_help(c: &Command) -> String {
    format!("Usage: {}\n\n{}", c.synopsis, c.about)
}

/// What the command line asks for.
enum Parsed {
    Run(Args),
    /// Print this on stdout and exit 0 (help, version).
    Print(String),
}

struct Args {
    command: String,
    positional: Vec<String>,
    config: Option<PathBuf>,
    listen: Option<String>,
    no_demo: bool,
    force: bool,
    role: Option<String>,
}

fn parse_args(argv: &[String]) -> Result<Parsed, String> {
    let Some(first) = argv.first() else {
        return Err(USAGE.to_string());
    };
    match first.as_str() {
        "--version" | "-V" | "version" => {
            return Ok(Parsed::Print(format!(
                "boutique {}",
                env!("CARGO_PKG_VERSION")
            )));
        }
        "--help" | "-h" => return Ok(Parsed::Print(USAGE.to_string())),
        "help" => {
            return match argv.get(1) {
                None => Ok(Parsed::Print(USAGE.to_string())),
                Some(name) => command(name)
                    .map(|c| Parsed::Print(command_help(c)))
                    .ok_or_else(|| format!("unknown command {name:?}\n\n{USAGE}")),
            };
        }
        _ => {}
    }
    let cmd = command(first).ok_or_else(|| format!("unknown command {first:?}\n\n{USAGE}"))?;
    // --help anywhere after the command wins, whatever else is on the line.
    if argv[1..].iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Parsed::Print(command_help(cmd)));
    }
    let usage = || format!("\n\n{}", command_help(cmd));
    let mut a = Args {
        command: first.clone(),
        positional: Vec::new(),
        config: None,
        listen: None,
        no_demo: false,
        force: false,
        role: None,
    };
    let mut it = argv[1..].iter();
    while let Some(arg) = it.next() {
        let opt = arg.as_str();
        if opt.starts_with("--") && opt != "--config" && !cmd.options.contains(&opt) {
            let known = opt == "--config" || COMMANDS.iter().any(|c| c.options.contains(&opt));
            return Err(if known {
                format!("{} does not take {opt}{}", cmd.name, usage())
            } else {
                format!("unknown option {opt}{}", usage())
            });
        }
        let mut value = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{opt} needs {what}{}", usage()))
        };
        match opt {
            "--config" => a.config = Some(value("a file")?.into()),
            "--listen" => a.listen = Some(value("an address")?),
            "--no-demo" => a.no_demo = true,
            "--force" => a.force = true,
            "--role" => a.role = Some(value("owner or staff")?),
            _ => a.positional.push(arg.clone()),
        }
    }
    if a.positional.len() > cmd.positional {
        let extra = &a.positional[cmd.positional];
        return Err(format!("unexpected argument {extra:?}{}", usage()));
    }
    Ok(Parsed::Run(a))
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&argv) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Print(text)) => {
            println!("{text}");
            return ExitCode::SUCCESS;
        }
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
        "rebuild" => with_config(&args, rebuild),
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
    let (cfg, _) = app::load_config(args.config.as_deref()).map_err(|e| (2, e))?;
    boutique::logging::init(&cfg.server.log_level);
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
    log::info!(
        "serving {} from {}",
        running.app.cfg().store.name,
        running.app.data_dir.display()
    );
    let _ = stop;
    running.handle.wait();
    log::info!("stopped");
    log::logger().flush();
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
    // Settings show it as the last backup (a running store shares the database).
    let db = app::open_db(cfg).map_err(|e| (1, e.to_string()))?;
    let cli = boutique::shop::audit::Actor {
        id: None,
        name: "command line".into(),
    };
    let how = format!(
        "Backup written to {} by `boutique backup`",
        target.display()
    );
    db.write_tx(|tx| boutique::admin_data::settings::record_backup(tx, &cli, &how, db::now()))
        .map_err(|e| (1, e.public))?;
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
fn rebuild(args: &Args, cfg: &boutique::config::Config) -> CmdResult {
    match args.positional.as_slice() {
        [what] if what == "wishlist" => {}
        _ => return Err((2, format!("expected: rebuild wishlist\n\n{USAGE}"))),
    }
    let db = app::open_db(cfg).map_err(|e| (1, e.to_string()))?;
    let r = ops::rebuild_wishlist(&db).map_err(|e| (1, e.to_string()))?;
    println!(
        "wishlist rebuilt: {} rows; {} missing, {} stale, {} left over (now fixed)",
        r.rows, r.missing, r.stale, r.extra
    );
    Ok(())
}

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
            let email = boutique::shop::accounts::signin::normalize_email(email)?;
            let c = boutique::shop::accounts::find_or_create(tx, &email, now)?;
            boutique::shop::accounts::set_role(tx, c.id, role)?;
            boutique::shop::accounts::signin::issue_link(tx, &email, "/admin", now)
        })
        .map_err(|e| (1, e.public))?;
    let base = app::link_base(cfg, &db).map_err(|e| (1, e.public))?;
    println!("{base}/account/sign-in/link?token={token}");
    eprintln!("{email} is now {role}. The link above signs them in once, within 15 minutes.");
    Ok(())
}
