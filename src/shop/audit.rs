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

pub mod sql {
    //! SQL of the audit log.
    pub const INSERT: &str = "INSERT INTO audit_log (at, actor_id, actor, action, target_type, target, summary) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    pub const ALL: &[&str] = &[INSERT];
}
