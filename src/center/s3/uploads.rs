//! Unfinished multipart uploads, for gc and for resuming: an upload cut off (kill -9, a lost
//! connection, Ctrl-C) stays on the server, holding its parts, until it is completed or
//! aborted. object_store can abort one but not list them or their parts, so those listings
//! (`GET /bucket?uploads`, `GET /key?uploadId=`) go through presigned URLs.

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

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListPartsResult {
    #[serde(default)]
    is_truncated: bool,
    next_part_number_marker: Option<u64>,
    #[serde(default, rename = "Part")]
    parts: Vec<UploadedPart>,
}

/// A part already uploaded to an unfinished multipart upload.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UploadedPart {
    /// From 1.
    pub part_number: u64,
    /// Quoted, as the server sent it: the md5 of the part in hex on S3 and its peers (unless
    /// the bucket encrypts with its own keys).
    pub e_tag: String,
    pub size: u64,
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
        let what = format!(
            "could not list the unfinished uploads in {}",
            self.url.of_key(prefix)
        );
        self.signed_get(Path::from(""), query, &what)
    }

    /// The unfinished multipart uploads of exactly `key`, newest first.
    pub fn multipart_uploads_of(&self, key: &str) -> Result<Vec<PendingUpload>> {
        let folder = key.rsplit_once('/').map_or("", |(folder, _)| folder);
        let mut found = self.multipart_uploads(folder)?;
        found.retain(|upload| upload.key == key);
        found.sort_by_key(|upload| std::cmp::Reverse(upload.initiated));
        Ok(found)
    }

    /// The parts an unfinished multipart upload of `key` holds, through all pages.
    pub fn uploaded_parts(&self, key: &str, upload_id: &str) -> Result<Vec<UploadedPart>> {
        let path = self.path(key)?;
        let what = format!(
            "could not list the parts uploaded to {}",
            self.url.of_key(key)
        );
        let mut parts = Vec::new();
        let mut marker: Option<u64> = None;
        loop {
            let mut query = vec![("uploadId".to_string(), upload_id.to_string())];
            if let Some(marker) = marker {
                query.push(("part-number-marker".to_string(), marker.to_string()));
            }
            let page: ListPartsResult = self.signed_get(path.clone(), query, &what)?;
            parts.extend(page.parts);
            match page.next_part_number_marker {
                Some(next) if page.is_truncated && Some(next) != marker => marker = Some(next),
                _ => return Ok(parts),
            }
        }
    }

    /// GETs `path` with `query` through a presigned URL (for the requests object_store has no
    /// call for) and reads the XML answer.
    fn signed_get<T: serde::de::DeserializeOwned>(
        &self,
        path: Path,
        query: Vec<(String, String)>,
        what: &str,
    ) -> Result<T> {
        let (store, http) = (self.store.clone(), self.http.clone());
        let answer = self.runtime.run(async move {
            let options = SignedUrlOptions::default().with_query(query);
            let url = match store
                .signed_url_opts(http::Method::GET, &path, URL_LIFETIME, &options)
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
        let (status, body) = answer.map_err(|e| e.context(what.to_string()))?;
        if !status.is_success() {
            let text = String::from_utf8_lossy(&body);
            return Err(anyhow!(
                "{what}: HTTP {status}: {}",
                text.chars().take(300).collect::<String>()
            ));
        }
        quick_xml::de::from_reader(body.as_ref())
            .map_err(|e| anyhow!(e).context(format!("{what}: the answer is not understood")))
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
