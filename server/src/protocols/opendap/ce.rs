//! DAP2 constraint expressions (OPeNDAP 2.0, section 4.7): a projection list, then selection
//! clauses after `&`.
//!
//! ```text
//! constraint  = [projection *("," projection)] *("&" selection)
//! projection  = id *("." id) *hyperslab
//! hyperslab   = "[" int "]" | "[" int ":" int "]" | "[" int ":" int ":" int "]"   ; start:stride:stop
//! selection   = operand op operand      ; op: = != < <= > >= =~
//! ```
//!
//! The input has already been percent-decoded. Parsing never panics, whatever the input.

/// One `[start:stride:stop]` (inclusive stop, as in DAP2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slice {
    pub start: usize,
    pub stride: usize,
    pub stop: usize,
}

impl Slice {
    pub fn count(&self) -> usize {
        (self.stop - self.start) / self.stride + 1
    }
}

/// A projected variable, or a component of a Grid (`sst.lat`), with its hyperslabs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    pub path: Vec<String>,
    pub slices: Vec<Slice>,
}

/// A selection clause, kept as text: DAP2 applies selections to Sequences only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub left: String,
    pub op: &'static str,
    pub right: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Constraint {
    pub projections: Vec<Projection>,
    pub selections: Vec<Selection>,
}

/// A constraint that cannot be parsed, with what and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("constraint expression: {reason} at character {at}")]
pub struct CeError {
    pub reason: String,
    pub at: usize,
}

/// Longest constraint accepted: real ones are a few hundred characters.
pub const MAX_LEN: usize = 8192;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

fn is_id_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'+' | b'%' | b'~' | b'@' | b'#' | b'$' | b'!' | b'*')
}

impl Parser<'_> {
    fn err<T>(&self, reason: impl Into<String>) -> Result<T, CeError> {
        Err(CeError { reason: reason.into(), at: self.i })
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn id(&mut self) -> Result<String, CeError> {
        let start = self.i;
        while self.peek().is_some_and(is_id_char) {
            self.i += 1;
        }
        if start == self.i {
            return match self.peek() {
                Some(c) => self.err(format!("expected a variable name, found {:?}", c as char)),
                None => self.err("expected a variable name, found the end"),
            };
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn int(&mut self) -> Result<usize, CeError> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if start == self.i {
            return match self.peek() {
                Some(b'-') => self.err("negative indices are not allowed"),
                Some(c) => self.err(format!("expected an index, found {:?}", c as char)),
                None => self.err("expected an index, found the end"),
            };
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        text.parse().or_else(|_| self.err(format!("index {text} is too large")))
    }

    fn hyperslab(&mut self) -> Result<Slice, CeError> {
        let a = self.int()?;
        let slice = if self.eat(b':') {
            let b = self.int()?;
            if self.eat(b':') {
                let c = self.int()?;
                Slice { start: a, stride: b, stop: c }
            } else {
                Slice { start: a, stride: 1, stop: b }
            }
        } else {
            Slice { start: a, stride: 1, stop: a }
        };
        if !self.eat(b']') {
            return self.err("expected ']'");
        }
        if slice.stride == 0 {
            return self.err("a stride of 0 is not allowed");
        }
        if slice.stop < slice.start {
            return self.err(format!("stop {} is before start {}", slice.stop, slice.start));
        }
        Ok(slice)
    }

    fn projection(&mut self) -> Result<Projection, CeError> {
        let mut path = vec![self.id()?];
        let mut slices = Vec::new();
        loop {
            if self.eat(b'.') {
                if !slices.is_empty() {
                    return self.err("a component name cannot follow an index");
                }
                path.push(self.id()?);
            } else if self.eat(b'[') {
                slices.push(self.hyperslab()?);
            } else {
                break;
            }
        }
        Ok(Projection { path, slices })
    }

    fn operand(&mut self) -> Result<String, CeError> {
        let start = self.i;
        if self.eat(b'"') {
            while let Some(c) = self.peek() {
                self.i += 1;
                if c == b'"' {
                    return Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned());
                }
            }
            return self.err("unterminated string");
        }
        while self.peek().is_some_and(|c| is_id_char(c) || c == b'.') {
            self.i += 1;
        }
        if start == self.i {
            return self.err("expected a value");
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn selection(&mut self) -> Result<Selection, CeError> {
        let left = self.operand()?;
        let op = match (self.peek(), self.s.get(self.i + 1).copied()) {
            (Some(b'!'), Some(b'=')) => "!=",
            (Some(b'<'), Some(b'=')) => "<=",
            (Some(b'>'), Some(b'=')) => ">=",
            (Some(b'='), Some(b'~')) => "=~",
            (Some(b'<'), _) => "<",
            (Some(b'>'), _) => ">",
            (Some(b'='), _) => "=",
            _ => return self.err("expected a relational operator"),
        };
        self.i += op.len();
        let right = self.operand()?;
        Ok(Selection { left, op, right })
    }
}

/// Parses a decoded constraint expression.
pub fn parse(ce: &str) -> Result<Constraint, CeError> {
    if ce.len() > MAX_LEN {
        return Err(CeError { reason: format!("longer than {MAX_LEN} characters"), at: MAX_LEN });
    }
    let mut p = Parser { s: ce.as_bytes(), i: 0 };
    let mut c = Constraint::default();
    if p.peek().is_some_and(|ch| ch != b'&') {
        c.projections.push(p.projection()?);
        while p.eat(b',') {
            c.projections.push(p.projection()?);
        }
    }
    while p.eat(b'&') {
        c.selections.push(p.selection()?);
    }
    if p.i < p.s.len() {
        return p.err(format!("unexpected {:?}", p.s[p.i] as char));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(start: usize, stride: usize, stop: usize) -> Slice {
        Slice { start, stride, stop }
    }

    #[test]
    fn projections_with_hyperslabs_and_grid_components_parse() {
        let c = parse("analysed_sst[0][10:2:20][30:40],lat,sst.lon[5]").unwrap();
        assert_eq!(c.projections.len(), 3);
        assert_eq!(c.projections[0].path, ["analysed_sst"]);
        assert_eq!(c.projections[0].slices, [s(0, 1, 0), s(10, 2, 20), s(30, 1, 40)]);
        assert_eq!(c.projections[1].slices, []);
        assert_eq!(c.projections[2].path, ["sst", "lon"]);
        assert_eq!(c.projections[2].slices, [s(5, 1, 5)]);
        assert_eq!(s(10, 2, 20).count(), 6);
        assert_eq!(parse("").unwrap(), Constraint::default());
    }

    #[test]
    fn selections_parse_but_are_kept_apart() {
        let c = parse("sst&lat>=10&time<\"2026-11-02\"").unwrap();
        assert_eq!(c.projections.len(), 1);
        assert_eq!(c.selections[0], Selection { left: "lat".into(), op: ">=", right: "10".into() });
        assert_eq!(c.selections[1].op, "<");
        assert_eq!(parse("&lat=3").unwrap().projections, []);
    }

    #[test]
    fn malformed_expressions_say_what_and_where() {
        for (ce, word) in [
            ("sst[0", "']'"),
            ("sst[a:b]", "index"),
            ("[0:1]", "variable name"),
            ("sst]]", "unexpected"),
            ("sst[20:10]", "before start"),
            ("sst[0:0:10]", "stride of 0"),
            ("sst[-1]", "negative"),
            ("sst[99999999999999999999999]", "too large"),
            ("sst;drop table", "unexpected"),
            ("sst,", "variable name"),
            ("sst[0].lat", "component"),
            ("sst&lat", "operator"),
            ("sst&lat>\"x", "unterminated"),
        ] {
            let e = parse(ce).unwrap_err();
            assert!(e.to_string().contains(word), "{ce}: {e}");
        }
        assert!(parse(&"a".repeat(MAX_LEN + 1)).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(20_000))]

        /// Parsing never panics, on any string.
        #[test]
        fn any_string_parses_or_fails_cleanly(ce in "\\PC{0,60}") {
            let _ = parse(&ce);
        }

        /// Nor on strings made of the characters constraints use, which reach deeper.
        #[test]
        fn constraint_like_strings_parse_or_fail_cleanly(ce in "[a-z_0-9\\[\\]:.,&=<>!~\"%+-]{0,60}") {
            let _ = parse(&ce);
        }

        /// Whatever parses has valid hyperslabs.
        #[test]
        fn parsed_hyperslabs_are_ordered_with_positive_strides(a in 0usize..100, b in 1usize..5, c in 0usize..100) {
            if let Ok(p) = parse(&format!("v[{a}:{b}:{c}]")) {
                let s = p.projections[0].slices[0];
                proptest::prop_assert!(s.stride > 0 && s.stop >= s.start && s.count() >= 1);
            }
        }
    }
}
