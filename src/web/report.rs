//! `mfile report`'s file: the page's script, ECharts, styles and the data in one HTML document
//! that fetches nothing.

use serde::Serialize;

use super::api::SeriesDoc;
use super::columns::RunsColumns;
use super::{assets, html_escape, script_json};

/// What a report carries: the runs listing (in columns) and each run's (thinned) series, keyed
/// `owner/run`.
#[derive(Serialize)]
pub struct ReportData {
    pub generated_at: crate::time::Timestamp,
    pub mfile_version: &'static str,
    pub runs: RunsColumns,
    pub series: std::collections::BTreeMap<String, SeriesDoc>,
}

pub fn render(data: &ReportData) -> serde_json::Result<String> {
    let title = html_escape(&format!("mfile report: {}", data.runs.model));
    let json = script_json(data)?;
    let echarts = String::from_utf8_lossy(assets::ECHARTS_JS);
    Ok(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{style}</style>\n</head>\n<body>\n\
         <header><span class=\"brand\">mfile</span> <span id=\"crumbs\"></span></header>\n\
         <main id=\"app\"></main>\n\
         <script type=\"application/json\" id=\"mfile-data\">{json}</script>\n\
         <script>\n{echarts}\n</script>\n<script>\n{app}\n</script>\n</body>\n</html>\n",
        style = assets::STYLE_CSS,
        app = assets::APP_JS,
    ))
}
