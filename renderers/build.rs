//! Embeds every palette table of `palettes/` into the crate, so adding a palette is adding a file.

use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new("palettes");
    println!("cargo:rerun-if-changed=palettes");
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".txt")).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// (name, table text) of every palette in `palettes/`.\npub static TABLES: &[(&str, &str)] = &[\n",
    );
    for n in &names {
        let path = fs::canonicalize(dir.join(format!("{n}.txt"))).map(|p| p.display().to_string()).unwrap_or_default();
        out.push_str(&format!("    ({n:?}, include_str!({path:?})),\n"));
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("palettes.rs");
    if let Err(e) = fs::write(&dest, out) {
        panic!("cannot write {}: {e}", dest.display());
    }
}
