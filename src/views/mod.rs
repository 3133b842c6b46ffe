//! Views: pure functions from plain structs to maud `Markup`. No SQL, no I/O, and never
//! `PreEscaped` of stored or user data (house rule 7).

pub mod email;
pub mod format;
pub mod layout;
pub mod shop;
