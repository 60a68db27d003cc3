//! The page's files, compiled into the binary: our own HTML, CSS and JS, and Apache ECharts
//! (vendored from npm; see assets/echarts/SOURCE.md for where it came from).

pub const ECHARTS_VERSION: &str = "6.1.0";
/// sha256 of `assets/echarts/echarts.min.js` as recorded in SOURCE.md; a test checks both.
pub const ECHARTS_SHA256: &str = "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0";
pub static ECHARTS_JS: &[u8] = include_bytes!("assets/echarts/echarts.min.js");
/// The URL path of ECharts: versioned, so a browser never mixes two versions.
pub const ECHARTS_PATH: &str = "echarts-6.1.0.min.js";

pub static INDEX_HTML: &[u8] = include_bytes!("assets/index.html");
pub static APP_JS: &str = include_str!("assets/app.js");
pub static STYLE_CSS: &str = include_str!("assets/style.css");

/// Scripts only from the page's own origin, nothing inline; ECharts sets element styles.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                       img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
                       form-action 'none'; frame-ancestors 'none'";

/// The content type and bytes of a static file of the page, by its URL name.
pub fn find(name: &str) -> Option<(&'static str, &'static [u8])> {
    match name {
        "app.js" => Some(("text/javascript; charset=utf-8", APP_JS.as_bytes())),
        "style.css" => Some(("text/css; charset=utf-8", STYLE_CSS.as_bytes())),
        ECHARTS_PATH => Some(("text/javascript; charset=utf-8", ECHARTS_JS)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn echarts_is_the_recorded_file() {
        let digest: String = Sha256::digest(ECHARTS_JS)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, ECHARTS_SHA256);
        let source = include_str!("assets/echarts/SOURCE.md");
        assert!(
            source.contains(ECHARTS_SHA256),
            "SOURCE.md records the sha256"
        );
        assert!(source.contains(&format!("version **{ECHARTS_VERSION}**")));
        assert!(ECHARTS_PATH.contains(ECHARTS_VERSION));
        assert!(include_str!("assets/echarts/LICENSE").contains("Apache License"));
        assert!(include_str!("assets/echarts/NOTICE").contains("Apache ECharts"));
    }

    #[test]
    fn scripts_can_be_inlined_into_a_report() {
        // A report puts these inside <script> elements, which end at the first "</script".
        for (name, text) in [("echarts", ECHARTS_JS), ("app.js", APP_JS.as_bytes())] {
            let lower = String::from_utf8_lossy(text).to_ascii_lowercase();
            assert!(!lower.contains("</script"), "{name} contains </script");
            assert!(!lower.contains("<!--"), "{name} contains <!--");
        }
    }
}
