//! Collects every `pub mod sql { … }` of the sources into one generated list
//! (`$OUT_DIR/sql_modules.rs`, included by `crate::db::sql_modules`), so the test that
//! prepares every statement against the real schema cannot miss a module: a new domain file
//! with SQL is picked up by being written, not by someone remembering a list.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    let mut code = String::from("pub const SQL_MODULES: &[(&str, &[&str])] = &[\n");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        if !text.lines().any(|l| l == "pub mod sql {") {
            continue;
        }
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        // src/shop/cart/mod.rs → crate::shop::cart; src/db.rs → crate::db.
        let module = rel
            .trim_start_matches("src/")
            .trim_end_matches(".rs")
            .trim_end_matches("/mod")
            .replace('/', "::");
        code.push_str(&format!("    ({rel:?}, crate::{module}::sql::ALL),\n"));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("sql_modules.rs");
    std::fs::write(out, code).unwrap();
}
