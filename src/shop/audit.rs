//! The audit log: every admin write records who did what to which thing, with a short
//! before → after summary, in the same transaction as the write.

use crate::db::Tx;
use crate::error::Result;
use rusqlite::params;

/// The staff member acting (from the admin session).
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub id: Option<i64>,
    /// The email, or "system" / "shopper".
    pub name: String,
}

impl Actor {
    pub fn system() -> Actor {
        Actor {
            id: None,
            name: "system".into(),
        }
    }
    pub fn shopper() -> Actor {
        Actor {
            id: None,
            name: "shopper".into(),
        }
    }
    pub fn staff(id: i64, email: &str) -> Actor {
        Actor {
            id: Some(id),
            name: email.to_string(),
        }
    }
    pub fn is_staff(&self) -> bool {
        self.id.is_some()
    }
}

pub fn record(
    tx: &Tx,
    actor: &Actor,
    action: &str,
    target_type: &str,
    target: &str,
    summary: &str,
    now: i64,
) -> Result<()> {
    tx.prepare_cached(sql::INSERT)?.execute(params![
        now,
        actor.id,
        actor.name,
        action,
        target_type,
        target,
        summary
    ])?;
    Ok(())
}

/// What an edit changed, field by field, in the owner's words: "title Linen Shirt → Linen
/// Shirt, Sky, description changed". An edit that changed nothing has no summary and is
/// not logged ([`record_changes`]).
#[derive(Debug, Default)]
pub struct Changes(Vec<String>);

impl Changes {
    pub fn new() -> Changes {
        Changes::default()
    }

    /// `name before → after`, when they differ.
    pub fn field(
        mut self,
        name: &str,
        before: impl std::fmt::Display,
        after: impl std::fmt::Display,
    ) -> Changes {
        let (b, a) = (before.to_string(), after.to_string());
        if b != a {
            self.0.push(format!("{name} {b} → {a}"));
        }
        self
    }

    /// `name changed`, for long texts (a description) whose values would not fit a line.
    pub fn text(mut self, name: &str, differs: bool) -> Changes {
        if differs {
            self.0.push(format!("{name} changed"));
        }
        self
    }

    /// Something else that happened in the same edit ("new image").
    pub fn also(mut self, what: &str) -> Changes {
        self.0.push(what.to_string());
        self
    }

    pub fn summary(&self) -> Option<String> {
        (!self.0.is_empty()).then(|| self.0.join(", "))
    }
}

/// Records an edit if it changed anything.
pub fn record_changes(
    tx: &Tx,
    actor: &Actor,
    action: &str,
    target_type: &str,
    target: &str,
    changes: &Changes,
    now: i64,
) -> Result<()> {
    match changes.summary() {
        Some(s) => record(tx, actor, action, target_type, target, &s, now),
        None => Ok(()),
    }
}

pub mod sql {
    //! SQL of the audit log.
    pub const INSERT: &str = "INSERT INTO audit_log (at, actor_id, actor, action, target_type, target, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    pub const ALL: &[&str] = &[INSERT];
}
