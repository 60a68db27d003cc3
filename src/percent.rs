//! Percent-encoding, in one place and through the `percent-encoding` crate: the page's links and
//! download names, the request paths and queries it reads, and the SQLite URI of a catalog
//! opened read-only. Imports nothing of the project.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Everything but the unreserved characters of RFC 3986 (letters, digits, `-._~`).
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a SQLite URI filename gives a meaning to: `%` (an escape), `?` (the query), `#`.
const SQLITE_URI: &AsciiSet = &AsciiSet::EMPTY.add(b'%').add(b'?').add(b'#');

/// `text` with everything but unreserved URL characters encoded as `%XX`: one path segment or
/// one RFC 5987 value (`filename*=UTF-8''...`).
pub fn encode(text: &str) -> String {
    utf8_percent_encode(text, NOT_UNRESERVED).to_string()
}

/// A `file:` URI for SQLite naming `path`. Non-ASCII bytes are escaped too; SQLite decodes
/// every `%XX` of the path, so it opens the same file.
pub fn sqlite_uri(path: &str) -> String {
    format!("file:{}", utf8_percent_encode(path, SQLITE_URI))
}

/// Decodes `%XX` escapes (and `+` to a space when `plus_is_space`, as in a query). A `%` not
/// followed by two hex digits is an error, and so is a result that is not UTF-8.
pub fn decode(text: &str, plus_is_space: bool) -> Result<String, String> {
    let bytes = text.as_bytes();
    let malformed = bytes.iter().enumerate().any(|(i, &b)| {
        b == b'%'
            && !bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if malformed {
        return Err(format!("bad percent-encoding in {text:?}"));
    }
    // `+` becomes a space before decoding, so an encoded `%2B` stays a `+`.
    let spaced;
    let text_to_decode = if plus_is_space && text.contains('+') {
        spaced = text.replace('+', " ");
        &spaced
    } else {
        text
    };
    percent_decode_str(text_to_decode)
        .decode_utf8()
        .map(|decoded| decoded.into_owned())
        .map_err(|_| format!("{text:?} does not decode to UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_all_but_unreserved() {
        assert_eq!(encode("a-b._~Z9"), "a-b._~Z9");
        assert_eq!(encode("a b/c%d?é\u{7f}"), "a%20b%2Fc%25d%3F%C3%A9%7F");
    }

    #[test]
    fn sqlite_uris_escape_only_what_sqlite_reads() {
        assert_eq!(sqlite_uri("/c/a%b?c#d e"), "file:/c/a%25b%3Fc%23d e");
    }

    #[test]
    fn decodes_strictly() {
        assert_eq!(decode("a%2Fb%2e", false).unwrap(), "a/b.");
        assert_eq!(decode("a+b%2B", true).unwrap(), "a b+");
        assert_eq!(decode("a+b", false).unwrap(), "a+b");
        assert_eq!(decode("%C3%A9", false).unwrap(), "é");
        for bad in ["%", "%2", "%zz", "a%g1", "%+f"] {
            assert!(decode(bad, false).is_err(), "{bad}");
        }
        assert!(decode("%ff", false).is_err(), "not UTF-8");
    }
}
