//! What DAP2 puts on the wire: error bodies, and `.dods` answers (the DDS, `\nData:\n`, then
//! XDR values), plus a reader for quantities of bytes in messages.

/// A DAP2 error body: `Error { code = 400; message = "..."; };`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DapError {
    pub code: i64,
    pub message: String,
}

/// Parses a DAP2 error body; `None` unless it has `Error {`, a numeric code and a quoted
/// message (`\"` and `\\` escapes undone).
pub fn dap_error(body: &str) -> Option<DapError> {
    let rest = body.trim_start().strip_prefix("Error")?.trim_start().strip_prefix('{')?;
    let after_code = &rest[rest.find("code")? + 4..];
    let after_code = after_code.trim_start().strip_prefix('=')?;
    let (number, _) = after_code.split_once(';')?;
    let code = number.trim().parse().ok()?;
    let after_message = &rest[rest.find("message")? + 7..];
    let quoted = after_message.trim_start().strip_prefix('=')?.trim_start().strip_prefix('"')?;
    let mut message = String::new();
    let mut chars = quoted.chars();
    loop {
        match chars.next()? {
            '"' => break,
            '\\' => message.push(chars.next()?),
            c => message.push(c),
        }
    }
    let tail = chars.as_str().trim_start().strip_prefix(';')?.trim_start();
    tail.starts_with('}').then_some(DapError { code, message })
}

/// Whether `text` gives a quantity of bytes within `relative` of `bytes`: a number, maybe with
/// thousands separators, followed or not by a unit (B, bytes, kB, KiB, MB, MiB, GB, GiB).
pub fn mentions_bytes(text: &str, bytes: f64, relative: f64) -> bool {
    let tokens: Vec<&str> =
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == ',')).filter(|t| !t.is_empty()).collect();
    tokens.iter().enumerate().any(|(i, token)| {
        let split = token.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(token.len());
        let (digits, glued) = token.split_at(split);
        let Ok(number) = digits.trim_end_matches(['.', ',']).replace(',', "").parse::<f64>() else { return false };
        // "25MB": the unit may be glued to the number; else it is the next token.
        let unit = if glued.is_empty() { tokens.get(i + 1).copied().unwrap_or("") } else { glued };
        let scale = match unit.trim_end_matches(['.', ',']).to_ascii_lowercase().as_str() {
            "kb" => 1e3,
            "kib" => 1024.0,
            "mb" => 1e6,
            "mib" => 1048576.0,
            "gb" => 1e9,
            "gib" => 1073741824.0,
            _ => 1.0,
        };
        (number * scale - bytes).abs() <= relative * bytes
    })
}

/// A `.dods` answer split at `\nData:\n`: the DDS text and the XDR data.
pub fn split_dods(body: &[u8]) -> Result<(String, &[u8]), String> {
    let at = body.windows(7).position(|w| w == b"\nData:\n").ok_or("no \\nData:\\n in the answer")?;
    Ok((String::from_utf8_lossy(&body[..at]).into_owned(), &body[at + 7..]))
}

/// Reads DAP2 XDR data: arrays are two big-endian `u32` counts, then the values, 8- and 16-bit
/// integers widened to 4 bytes, except bytes, which are packed and padded to 4.
pub struct Xdr<'a> {
    pub data: &'a [u8],
    pub pos: usize,
}

impl<'a> Xdr<'a> {
    pub fn new(data: &'a [u8]) -> Xdr<'a> {
        Xdr { data, pos: 0 }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let slice = self
            .data
            .get(self.pos..self.pos + n)
            .ok_or_else(|| format!("XDR data ends at byte {} of {}, {n} more wanted", self.pos, self.data.len()))?;
        self.pos += n;
        Ok(slice)
    }

    fn word(&mut self) -> Result<[u8; 4], String> {
        Ok(self.take(4)?.try_into().expect("four bytes"))
    }

    /// The two length words of an array, which must agree.
    pub fn array_len(&mut self) -> Result<usize, String> {
        let (a, b) = (u32::from_be_bytes(self.word()?), u32::from_be_bytes(self.word()?));
        if a == b { Ok(a as usize) } else { Err(format!("array length words differ: {a} and {b}")) }
    }

    /// An array of 32-bit values (Int16, UInt16, Int32, UInt32, Float32) as their words.
    pub fn words(&mut self) -> Result<Vec<[u8; 4]>, String> {
        let n = self.array_len()?;
        (0..n).map(|_| self.word()).collect()
    }

    pub fn f32s(&mut self) -> Result<Vec<f32>, String> {
        Ok(self.words()?.into_iter().map(f32::from_be_bytes).collect())
    }

    /// Int16 and Int32 values (Int16 travels sign-extended to 32 bits).
    pub fn i32s(&mut self) -> Result<Vec<i32>, String> {
        Ok(self.words()?.into_iter().map(i32::from_be_bytes).collect())
    }

    pub fn f64s(&mut self) -> Result<Vec<f64>, String> {
        let n = self.array_len()?;
        (0..n).map(|_| Ok(f64::from_be_bytes(self.take(8)?.try_into().expect("eight bytes")))).collect()
    }

    pub fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let n = self.array_len()?;
        let values = self.take(n)?.to_vec();
        self.take((4 - n % 4) % 4)?;
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dap_error_bodies_give_code_and_message() {
        let body = "Error {\n    code = 400;\n    message = \"constraint: \\\"lon\\\" index 4000\";\n};\n";
        let e = dap_error(body).expect("parsed");
        assert_eq!((e.code, e.message.as_str()), (400, "constraint: \"lon\" index 4000"));
        assert_eq!(dap_error("Error { code = 404; };"), None);
        assert_eq!(dap_error("<html>Error</html>"), None);
    }

    #[test]
    fn sizes_are_found_in_any_unit() {
        assert!(mentions_bytes("response of 25941636 bytes exceeds", 25_941_636.0, 0.1));
        assert!(mentions_bytes("needs 24.7 MiB, the limit is 1 MiB", 25_941_636.0, 0.1));
        assert!(mentions_bytes("needs 24.7 MiB, the limit is 1 MiB", 1_048_576.0, 0.05));
        assert!(mentions_bytes("(26 MB > 1MB)", 25_941_636.0, 0.1));
        assert!(mentions_bytes("25,941,636 > 1,048,576", 1_048_576.0, 0.0));
        assert!(!mentions_bytes("too large", 1_048_576.0, 0.05));
    }

    #[test]
    fn xdr_arrays_are_decoded() {
        let mut data = Vec::new();
        for word in [2u32, 2, (-3i32) as u32, 7, 3, 3] {
            data.extend(word.to_be_bytes());
        }
        data.extend([1, 2, 255, 0]);
        let mut xdr = Xdr::new(&data);
        assert_eq!(xdr.i32s(), Ok(vec![-3, 7]));
        assert_eq!(xdr.bytes(), Ok(vec![1, 2, 255]));
        assert_eq!(xdr.pos, data.len());
        assert!(Xdr::new(&[0, 0, 0, 1, 0, 0, 0, 2]).array_len().is_err());
    }
}
