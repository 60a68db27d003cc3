//! Validation of model/version names and of relative paths inside a version.
//! Everything that becomes part of a path in the center passes through here first.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt;

use anyhow::Result;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{UnicodeNormalization, is_nfc};

use crate::error::usage;

const MAX_NAME: usize = 128;
const MAX_COMPONENT: usize = 255;
const MAX_PATH: usize = 4096;

/// Checks a name (model, version, run, user): 1-128 characters and at most 255 bytes (a folder
/// name's limit) of Unicode letters, digits and marks, `.`, `_`, `-` and inner spaces, starting
/// with a letter or digit, in NFC. Command-line and page input is put in NFC before it gets
/// here ([`nfc`]), so two spellings of one name are one name; a name in another form comes
/// from elsewhere (a bucket's log) and is refused. `what` names the kind in the message.
pub fn check_name<'a>(what: &str, name: &'a str) -> Result<&'a str> {
    let invalid = |why: &str| usage(format!("invalid {what} name {}: {why}", quote(name)));
    if name.starts_with('@') {
        return Err(invalid(
            "an @alias names a version to read; here give the version's own name",
        ));
    }
    if let Some(c) = name.chars().find(|&c| !allowed_in_name(c)) {
        return Err(invalid(&format!(
            "{} is not allowed; use letters, digits, marks, '.', '_', '-' and inner spaces",
            describe(c)
        )));
    }
    if !name.chars().next().is_some_and(char::is_alphanumeric) {
        return Err(invalid(
            "a name starts with a letter or digit (not '.', '-', '_', a space or a mark)",
        ));
    }
    if name.ends_with(' ') {
        return Err(invalid("a name does not end with a space"));
    }
    if let Some(c) = name.chars().find(|&c| is_compatibility_form(c)) {
        let plain: String = c.to_string().nfkc().collect();
        return Err(invalid(&format!(
            "{} is a compatibility form of {}; write that",
            describe(c),
            quote(&plain)
        )));
    }
    if let Some((a, b)) = mixed_scripts(name) {
        return Err(invalid(&format!(
            "a word mixes {a} and {b} letters, which can look alike (as Cyrillic 'о' and \
             Latin 'o' do); write each word in one alphabet"
        )));
    }
    if name.chars().count() > MAX_NAME || name.len() > MAX_COMPONENT {
        return Err(invalid(&format!(
            "longer than {MAX_NAME} characters or {MAX_COMPONENT} bytes"
        )));
    }
    if !is_nfc(name) {
        return Err(invalid("not in Unicode normal form C"));
    }
    Ok(name)
}

/// The alias every model has without setting it: its newest version (`@latest`).
pub const LATEST: &str = "latest";

/// Checks a version as commands that read one take it: a version's name, or `@ALIAS` for the
/// version an alias names (`@latest`, `@prod`).
pub fn check_version_ref(given: &str) -> Result<&str> {
    match given.strip_prefix('@') {
        Some(alias) => check_name("alias", alias).map(|_| given),
        None => check_name("version", given),
    }
}

fn allowed_in_name(c: char) -> bool {
    let visible = c.is_alphanumeric() || is_combining_mark(c) || matches!(c, '.' | '_' | '-' | ' ');
    visible && !is_default_ignorable(c)
}

/// A character that NFKC would replace (fullwidth `ｍ`, `ﬁ`, `²`): a name holds the plain
/// form, so `ｍodel` can't pass for `model`.
fn is_compatibility_form(c: char) -> bool {
    !c.is_ascii() && !c.to_string().nfkc().eq(c.to_string().nfc())
}

/// Two of the alphabets whose letters look alike (Latin, Greek, Cyrillic) in one word of a
/// name: the homoglyph spoof `mоdel` (a Cyrillic `о`). Words apart may differ (`BERT-модель`),
/// and any of them may sit with another script (`BILSTM_CRF模型`).
fn mixed_scripts(name: &str) -> Option<(&'static str, &'static str)> {
    let mut seen: Option<&'static str> = None;
    for c in name.chars() {
        if !c.is_alphabetic() && !is_combining_mark(c) {
            seen = None; // a new word begins after a digit, a space or punctuation
            continue;
        }
        let script = match c as u32 {
            0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF | 0xA720..=0xA7FF => "Latin",
            0x370..=0x3FF | 0x1F00..=0x1FFF => "Greek",
            0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => "Cyrillic",
            _ => continue,
        };
        match seen {
            Some(first) if first != script => return Some((first, script)),
            _ => seen = Some(script),
        }
    }
    None
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters shown as
/// nothing, some of them letters (U+3164) or marks (U+034F, variation selectors), which would
/// make `prod` and `prod` + U+FE0F two names that look the same.
fn is_default_ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// A character for a message: itself when it shows, else its code point.
fn describe(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("'{c}'")
    } else {
        format!("U+{:04X}", c as u32)
    }
}

/// `text` in Unicode normal form C: what every name is compared and stored as.
pub fn nfc(text: &str) -> String {
    if is_nfc(text) {
        text.to_string()
    } else {
        text.nfc().collect()
    }
}

/// A normalised relative path inside a version: `/`-separated, no `.`/`..`/empty components,
/// no control characters. The empty path is the version's root.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(String);

impl RelPath {
    /// Normalises `input` (`./a//b/` → `a/b`); rejects absolute paths and `..`. `what` names the
    /// argument in the message (e.g. "--subdir").
    pub fn parse(what: &str, input: &str) -> Result<RelPath> {
        let bad = |why: &str| usage(format!("invalid {what} {}: {why}", quote(input)));
        if input.starts_with('/') {
            return Err(bad(
                "absolute paths are not allowed; give a path inside the version",
            ));
        }
        if input.len() > MAX_PATH {
            return Err(bad("longer than 4096 bytes"));
        }
        let mut parts = Vec::new();
        for part in input.split('/') {
            match part {
                "" | "." => {}
                ".." => return Err(bad("'..' is not allowed; paths stay inside the version")),
                _ if part.chars().any(char::is_control) => {
                    return Err(bad(
                        "control characters (NUL, newline, ...) are not allowed",
                    ));
                }
                _ if part.len() > MAX_COMPONENT => {
                    return Err(bad("a path component is longer than 255 bytes"));
                }
                _ => parts.push(part),
            }
        }
        Ok(RelPath(parts.join("/")))
    }

    /// Like [`RelPath::parse`] for a name read from disk, which may not be UTF-8.
    pub fn parse_os(what: &str, input: &OsStr) -> Result<RelPath> {
        match input.to_str() {
            Some(text) => Self::parse(what, text),
            None => Err(usage(format!(
                "invalid {what} {}: file names must be UTF-8",
                quote(&input.to_string_lossy())
            ))),
        }
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `self/other`, where both are already valid.
    pub fn join(&self, other: &RelPath) -> RelPath {
        match (self.is_root(), other.is_root()) {
            (true, _) => other.clone(),
            (_, true) => self.clone(),
            _ => RelPath(format!("{}/{}", self.0, other.0)),
        }
    }

    /// True when the stored (already normal) `path` is `self` or lies below it.
    pub fn covers(&self, path: &str) -> bool {
        self.is_root()
            || path == self.0
            || (path.starts_with(&self.0) && path.as_bytes().get(self.0.len()) == Some(&b'/'))
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "." } else { &self.0 })
    }
}

/// Quotes user input for a message, escaping control characters so they can't garble a terminal.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// A name as a shell word in a command a message suggests: as it is when it needs no
/// quoting, else in single quotes (`'my model'`).
pub fn shell_word(name: &str) -> Cow<'_, str> {
    let plain = |c: char| c.is_alphanumeric() || "._-/@=:".contains(c);
    if !name.is_empty() && name.chars().all(plain) {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("'{}'", name.replace('\'', r"'\''")))
    }
}

/// How much of a piece of input a message echoes.
pub const ECHO_CHARS: usize = 200;

/// At most `max` characters of `text`, with how much was left out: for echoing input that may
/// be huge (a metric line of 10 MB).
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!(
            "{}... ({} more bytes)",
            &text[..cut],
            text.len() - cut
        )),
    }
}

/// Natural order for version names: digit runs compare as numbers, so `1.2` < `1.10`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (trim_zeros(&a[..da]), trim_zeros(&b[..db]));
                let order = na.len().cmp(&nb.len()).then(na.cmp(nb)).then(da.cmp(&db));
                if order != Ordering::Equal {
                    return order;
                }
                (a, b) = (&a[da..], &b[db..]);
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                (a, b) = (&a[1..], &b[1..]);
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_shortened_on_a_character_boundary() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("abcdef", 3), "abc... (3 more bytes)");
        assert_eq!(shorten("ééé", 1), "é... (4 more bytes)");
    }
    use std::cmp::Ordering;

    #[test]
    fn names_accept_versions_like_1_0() {
        for ok in [
            "1.0",
            "v2_final",
            "bert-base",
            "A",
            "x".repeat(128).as_str(),
            "demo实体识别",
            "BILSTM_CRF模型",
            "MNIST手写数字识别",
            "my model",
            "café",
            "नमस्ते",
            "модель-v2",
            "μοντέλο",
            "BERT-модель",
            "字".repeat(85).as_str(),
        ] {
            assert!(check_name("version", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn two_spellings_of_a_name_are_one() {
        let composed = "caf\u{e9}";
        let decomposed = "cafe\u{301}";
        assert_eq!(nfc(decomposed), composed);
        assert_eq!(nfc(composed), composed);
        assert!(check_name("model", &nfc(decomposed)).is_ok());
        let err = check_name("model", decomposed).unwrap_err();
        assert!(err.to_string().contains("normal form C"), "{err}");
    }

    #[test]
    fn names_reject_escapes_and_junk() {
        let long = "x".repeat(129);
        for bad in [
            "",
            "..",
            ".hidden",
            "a/b",
            "-x",
            "_x",
            "a\0b",
            "a\\b",
            " a",
            "a ",
            "a\tb",
            "a\u{200b}b",
            "a\u{202e}b",
            "a\u{3000}b",
            "\u{3164}",
            "m\u{43e}del",
            "\u{ff4d}",
            "\u{fb01}le",
            "\u{3b1}lpha-a",
            "prod\u{fe0f}",
            "a\u{34f}b",
            "\u{301}a",
            "😀",
            long.as_str(),
            "字".repeat(86).as_str(),
        ] {
            let err = check_name("model", bad).unwrap_err();
            assert_eq!(crate::error::exit_code(&err), 2, "{bad:?}");
            assert!(err.to_string().contains("invalid model name"), "{err}");
        }
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(RelPath::parse("p", "./a//b/").unwrap().as_str(), "a/b");
        assert_eq!(RelPath::parse("p", "").unwrap(), RelPath::default());
        assert_eq!(RelPath::parse("p", ".").unwrap().to_string(), ".");
        assert_eq!(RelPath::parse("p", "a/./b").unwrap().as_str(), "a/b");
        assert_eq!(RelPath::parse("p", "a..b/c").unwrap().as_str(), "a..b/c");
    }

    #[test]
    fn paths_reject_escapes() {
        let long = "x".repeat(256);
        for bad in [
            "/etc/passwd",
            "..",
            "a/../../b",
            "a/..",
            "a\nb",
            "a\0b",
            long.as_str(),
        ] {
            let err = RelPath::parse("--subdir", bad).unwrap_err();
            assert_eq!(crate::error::exit_code(&err), 2, "{bad:?}");
            assert!(err.to_string().starts_with("invalid --subdir"), "{err}");
        }
    }

    #[test]
    fn non_utf8_file_names_are_rejected() {
        use std::os::unix::ffi::OsStrExt;
        let err = RelPath::parse_os("file name", OsStr::from_bytes(b"a\xffb")).unwrap_err();
        assert!(err.to_string().contains("UTF-8"));
    }

    #[test]
    fn join_and_prefix() {
        let sub = RelPath::parse("p", "onnx").unwrap();
        let file = RelPath::parse("p", "model.onnx").unwrap();
        assert_eq!(sub.join(&file).as_str(), "onnx/model.onnx");
        assert_eq!(RelPath::default().join(&file), file);
        assert!(sub.covers(sub.join(&file).as_str()));
        assert!(sub.covers("onnx"));
        assert!(!sub.covers("onnx2/x"));
        assert!(RelPath::default().covers("anything"));
    }

    #[test]
    fn suggested_commands_quote_names_for_the_shell() {
        assert_eq!(shell_word("demo实体识别"), "demo实体识别");
        assert_eq!(shell_word("my model"), "'my model'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
    }

    #[test]
    fn quoting_escapes_only_control_characters() {
        assert_eq!(quote(r#"{"a": 1}"#), r#"'{"a": 1}'"#);
        assert_eq!(quote("a\nb\0"), "'a\\nb\\u{0}'");
    }

    #[test]
    fn natural_order() {
        assert_eq!(natural_cmp("1.2", "1.10"), Ordering::Less);
        assert_eq!(natural_cmp("v10", "v9"), Ordering::Greater);
        assert_eq!(natural_cmp("1.0", "1.0"), Ordering::Equal);
        assert_eq!(natural_cmp("01", "1"), Ordering::Greater);
        assert_eq!(natural_cmp("1.0", "1.0-rc1"), Ordering::Less);
        let mut v = vec!["1.10", "1.2", "0.9", "1.2.1", "beta"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["0.9", "1.2", "1.2.1", "1.10", "beta"]);
    }
}
