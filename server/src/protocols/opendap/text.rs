//! The text documents of DAP2: the DDS (structure, constrained) and the DAS (attributes).

use std::fmt::Write;

use super::dataset::{ArrayPlan, DapAttr, DatasetInfo, Item};

fn array_decl(out: &mut String, indent: &str, a: &ArrayPlan) {
    let _ = write!(out, "{indent}{} {}", a.var.dtype.name(), a.var.name);
    for ((dim, _), s) in a.var.dims.iter().zip(&a.slices) {
        let _ = write!(out, "[{dim} = {}]", s.count());
    }
    out.push_str(";\n");
}

/// The DDS of the items a request returns.
pub fn dds(info: &DatasetInfo, items: &[Item]) -> String {
    let mut out = String::from("Dataset {\n");
    for item in items {
        match item {
            Item::Array(a) => array_decl(&mut out, "    ", a),
            Item::Grid { array, maps } => {
                out.push_str("    Grid {\n      ARRAY:\n");
                array_decl(&mut out, "        ", array);
                out.push_str("      MAPS:\n");
                for m in maps {
                    array_decl(&mut out, "        ", m);
                }
                let _ = writeln!(out, "    }} {};", array.var.name);
            }
            Item::Structure { name, members } => {
                out.push_str("    Structure {\n");
                for m in members {
                    array_decl(&mut out, "        ", m);
                }
                let _ = writeln!(out, "    }} {name};");
            }
        }
    }
    let _ = writeln!(out, "}} {};", info.name);
    out
}

fn attrs(out: &mut String, indent: &str, list: &[DapAttr]) {
    for a in list {
        let _ = writeln!(out, "{indent}{} {} {};", a.dtype.name(), a.name, a.values.join(", "));
    }
}

/// The DAS: every variable's attributes, and the global ones as `NC_GLOBAL`.
pub fn das(info: &DatasetInfo) -> String {
    let mut out = String::from("Attributes {\n");
    for v in &info.vars {
        let _ = writeln!(out, "    {} {{", v.name);
        attrs(&mut out, "        ", &v.attrs);
        out.push_str("    }\n");
    }
    out.push_str("    NC_GLOBAL {\n");
    attrs(&mut out, "        ", &info.globals);
    out.push_str("    }\n}\n");
    out
}
