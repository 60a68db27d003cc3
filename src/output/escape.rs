//! Text from the center (descriptions, tags, params, notes, file names, metric keys) reaches a
//! terminal only through here. Control characters would let a value clear the screen, set the
//! window title or hide text; bidi controls would make `evil\u{202e}txt.exe` read as
//! `evilexe.txt`. Every such character is shown as an escape instead: `\n`, `\r`, `\t`, and
//! `\u{1b}`-style (Rust's notation, the same as `names::quote`) for the rest. JSON output is
//! never escaped this way: it carries the exact values.

use std::borrow::Cow;

/// True for characters that must not reach a terminal raw:
/// - control characters: C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F);
/// - bidi controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
/// - invisible format characters that can hide or disguise text: U+200B, U+2028, U+2029,
///   U+2060–U+2064, U+206A–U+206F, U+FEFF, U+FFF9–U+FFFB, tags U+E0000–U+E007F.
///
/// U+200C and U+200D (zero-width non-joiner and joiner) pass: Persian, Indic scripts and emoji
/// need them, and they can't reorder or hide text.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// `text` with every unsafe character escaped, line breaks included: for a table cell or a
/// one-line value.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_except(text, |_| false)
}

/// `text` with every unsafe character escaped except line breaks: for messages (errors,
/// warnings, notes), whose own lists put items on lines of their own.
pub fn escape_message(text: &str) -> Cow<'_, str> {
    escape_except(text, |c| c == '\n')
}

fn escape_except(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            c if !is_unsafe(c) || keep(c) => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_shown_not_obeyed() {
        assert_eq!(
            escape("\x1b[2J\x1b]0;PWNED\x07"),
            "\\u{1b}[2J\\u{1b}]0;PWNED\\u{7}"
        );
        assert_eq!(escape("a\tb\r\nc\x7f\u{9b}"), "a\\tb\\r\\nc\\u{7f}\\u{9b}");
    }

    #[test]
    fn bidi_and_invisible_format_characters_are_escaped() {
        assert_eq!(escape("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        for c in [
            '\u{061C}',
            '\u{200B}',
            '\u{200E}',
            '\u{200F}',
            '\u{2028}',
            '\u{2029}',
            '\u{202A}',
            '\u{202B}',
            '\u{202C}',
            '\u{202D}',
            '\u{2060}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{FEFF}',
            '\u{E0041}',
        ] {
            assert!(is_unsafe(c), "{:x}", c as u32);
            assert_ne!(escape(&c.to_string()), c.to_string());
        }
    }

    #[test]
    fn ordinary_text_is_untouched_and_borrowed() {
        for text in [
            "model.onnx",
            "ünïcödé €",
            "日本語",
            "a\u{200D}b",
            "👩\u{200D}💻",
            "\\u{1b}",
        ] {
            assert!(
                matches!(escape(text), Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
    }

    #[test]
    fn messages_keep_their_line_breaks_only() {
        assert_eq!(escape_message("a:\n  b\x1b"), "a:\n  b\\u{1b}");
        assert_eq!(escape_message("a\rb"), "a\\rb");
    }
}
