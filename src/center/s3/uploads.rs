//! Unfinished multipart uploads, for gc: an upload cut off (kill -9, a lost connection) stays
//! on the server, holding its parts, until it is aborted. object_store can abort one but not
//! list them, so the listing (`GET /bucket?uploads`) goes through a presigned URL.

use std::time::Duration;

use anyhow::{Result, anyhow};
use object_store::client::HttpRequestBody;
use object_store::multipart::MultipartStore;
use object_store::path::Path;
use object_store::signer::{SignedUrlOptions, Signer};
use serde::Deserialize;

use super::Bucket;
use crate::time::Timestamp;

/// How long the presigned URL of one listing request stays valid.
const URL_LIFETIME: Duration = Duration::from_secs(300);

/// A multipart upload begun and neither completed nor aborted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingUpload {
    /// Relative to the center's prefix.
    pub key: String,
    pub upload_id: String,
    pub initiated: Timestamp,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListMultipartUploadsResult {
    #[serde(default)]
    is_truncated: bool,
    next_key_marker: Option<String>,
    next_upload_id_marker: Option<String>,
    #[serde(default, rename = "Upload")]
    uploads: Vec<Upload>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Upload {
    key: String,
    upload_id: String,
    initiated: String,
}

impl Bucket {
    /// The unfinished multipart uploads under `prefix` (a folder, as for `list`; `""` is the
    /// whole center), through all pages.
    pub fn multipart_uploads(&self, prefix: &str) -> Result<Vec<PendingUpload>> {
        let full = self
            .prefix_path(prefix)?
            .map(|p| format!("{}/", p.as_ref()));
        let mut found = Vec::new();
        let mut marker: Option<(String, String)> = None;
        loop {
            let mut query = vec![("uploads".to_string(), String::new())];
            if let Some(full) = &full {
                query.push(("prefix".to_string(), full.clone()));
            }
            if let Some((key, id)) = &marker {
                query.push(("key-marker".to_string(), key.clone()));
                query.push(("upload-id-marker".to_string(), id.clone()));
            }
            let page = self.list_uploads_page(prefix, query)?;
            for upload in page.uploads {
                found.push(PendingUpload {
                    key: self.relative(&upload.key)?,
                    initiated: parse_time(&upload.initiated)?,
                    upload_id: upload.upload_id,
                });
            }
            let next = page
                .next_key_marker
                .filter(|k| !k.is_empty())
                .zip(page.next_upload_id_marker.filter(|i| !i.is_empty()));
            match next {
                Some(next) if page.is_truncated && Some(&next) != marker.as_ref() => {
                    marker = Some(next);
                }
                _ => return Ok(found),
            }
        }
    }

    fn list_uploads_page(
        &self,
        prefix: &str,
        query: Vec<(String, String)>,
    ) -> Result<ListMultipartUploadsResult> {
        let (store, http) = (self.store.clone(), self.http.clone());
        let answer = self.runtime.run(async move {
            let options = SignedUrlOptions::default().with_query(query);
            let url = match store
                .signed_url_opts(http::Method::GET, &Path::from(""), URL_LIFETIME, &options)
                .await
            {
                Ok(url) => url,
                Err(e) => return Ok(Err(anyhow!(e))),
            };
            let request = http::Request::get(url.as_str()).body(HttpRequestBody::empty())?;
            let response = match http.execute(request).await {
                Ok(response) => response,
                Err(e) => return Ok(Err(anyhow!(e))),
            };
            let status = response.status();
            let body = response.into_body().bytes().await?;
            Ok(Ok((status, body)))
        })?;
        let what = || {
            format!(
                "could not list the unfinished uploads in {}",
                self.url.of_key(prefix)
            )
        };
        let (status, body) = answer.map_err(|e| e.context(what()))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            return Err(anyhow!(
                "{}: HTTP {status}: {}",
                what(),
                text.chars().take(300).collect::<String>()
            ));
        }
        quick_xml::de::from_reader(body.as_ref())
            .map_err(|e| anyhow!(e).context(format!("{}: the answer is not understood", what())))
    }

    /// Aborts an unfinished multipart upload, dropping its parts.
    pub fn abort_upload(&self, key: &str, upload_id: &str) -> Result<()> {
        let path = self.path(key)?;
        let (store, id) = (self.store.clone(), upload_id.to_string());
        self.runtime
            .run(async move { Ok(store.abort_multipart(&path, &id).await) })?
            .map_err(|e| self.failed("abort the upload of", key, e))
    }
}

fn parse_time(text: &str) -> Result<Timestamp> {
    Timestamp::parse_rfc3339(text)
        .ok_or_else(|| anyhow!("the server sent the time {text:?}, which is not RFC 3339"))
}
