//! The `boutique` command line: serve | migrate | check | backup | restore.
fn main() {}
