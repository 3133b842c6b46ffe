//! Domain services: rules and SQL next to each other, one module per domain.

pub mod art;
pub mod images;
