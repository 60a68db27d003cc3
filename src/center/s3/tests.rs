//! What needs the crate's insides: keys, a damaged upload (through a connector that flips a
//! byte after the checksum is computed), and calls from inside another tokio runtime. The rest
//! of the bucket's tests are in tests/cli/s3_bucket.rs. Tests that need the server started by
//! tests/s3/server skip with a note when MFILE_TEST_S3_ENDPOINT is unset (unless
//! MFILE_REQUIRE_S3=1).

use std::net::TcpListener;

use async_trait::async_trait;
use http_body_util::BodyExt;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpRequest, HttpRequestBody, HttpResponse, HttpService,
    ReqwestConnector,
};

use super::*;
use crate::values::location::Credentials;

/// The test server's bucket under a fresh prefix, or None (and a note) without a server.
fn server(test: &str) -> Option<BucketSpec> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(endpoint) = var("MFILE_TEST_S3_ENDPOINT") else {
        assert!(
            var("MFILE_REQUIRE_S3").as_deref() != Some("1"),
            "MFILE_REQUIRE_S3=1 but MFILE_TEST_S3_ENDPOINT is unset; run tests/s3/server start"
        );
        eprintln!("note: {test} skipped: no S3 server (run tests/s3/server start)");
        return None;
    };
    let nanos = Timestamp::now().0;
    Some(BucketSpec {
        url: BucketUrl::parse(&format!(
            "s3://{}/unit/{test}-{nanos}",
            var("MFILE_TEST_S3_BUCKET").unwrap_or_else(|| "mfile-test".into())
        ))
        .unwrap(),
        endpoint: Some(endpoint),
        region: var("AWS_REGION").unwrap_or_else(|| "us-east-1".into()),
        credentials: Some(Credentials {
            access_key_id: var("AWS_ACCESS_KEY_ID").unwrap_or_default(),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY").unwrap_or_default(),
            session_token: None,
            source: "the test's environment".into(),
        }),
    })
}

/// A bucket on a port where nothing listens.
fn nowhere() -> BucketSpec {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    BucketSpec {
        url: BucketUrl::parse("s3://nowhere/x").unwrap(),
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        credentials: Some(Credentials {
            access_key_id: "a".into(),
            secret_access_key: "b".into(),
            session_token: None,
            source: "the test".into(),
        }),
    }
}

#[test]
fn keys_are_checked_before_any_request() {
    let bucket = Bucket::open(&nowhere()).unwrap();
    for bad in ["", "/a", "a/", "a//b", "a/../b", "./a", "a\nb"] {
        let err = bucket.head(bad).unwrap_err();
        assert!(err.to_string().contains("invalid key"), "{bad:?}: {err}");
    }
    assert_eq!(
        bucket.prefix_path("blobs/ab").unwrap().unwrap().as_ref(),
        "x/blobs/ab"
    );
    assert_eq!(bucket.prefix_path("").unwrap().unwrap().as_ref(), "x");
    assert_eq!(bucket.relative("x/blobs/ab").unwrap(), "blobs/ab");
    assert!(bucket.relative("xy/blobs").is_err());
}

#[test]
fn no_credentials_is_refused_naming_the_variables() {
    let spec = BucketSpec {
        credentials: None,
        ..nowhere()
    };
    let err = Bucket::open(&spec).unwrap_err();
    assert_eq!(crate::error::exit_code(&err), 2);
    let text = err.to_string();
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"] {
        assert!(text.contains(name), "{text}");
    }
}

/// The web page calls the engine from tokio's blocking threads and could hold a bucket in a
/// task: neither calling nor dropping may panic ("cannot block_on inside a runtime").
#[test]
fn works_and_drops_inside_another_runtime() {
    let spec = server("runtime").unwrap_or_else(nowhere);
    let reachable = spec.url.bucket != "nowhere";
    let outer = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answers = outer.block_on(async move {
        // In an async task of the outer runtime.
        let bucket = Bucket::open(&spec).unwrap();
        let in_task = bucket.head("missing").map(|found| found.is_none());
        // On one of its blocking threads, the web page's way.
        let on_blocking = tokio::task::spawn_blocking(move || {
            let answer = bucket.head("missing").map(|found| found.is_none());
            drop(bucket);
            answer
        })
        .await
        .unwrap();
        let dropped_in_task = Bucket::open(&nowhere()).unwrap();
        drop(dropped_in_task);
        (in_task, on_blocking)
    });
    for answer in [answers.0, answers.1] {
        match answer {
            Ok(missing) => assert!(reachable && missing),
            Err(err) => assert!(!reachable, "{err:#}"),
        }
    }
}

/// Flips one byte in the middle of the body of PUTs to keys containing "damaged", after
/// object_store computed the checksum: damage on the way.
#[derive(Debug)]
struct Damaging(HttpClient);

#[async_trait]
impl HttpService for Damaging {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        if request.method() != http::Method::PUT || !request.uri().path().contains("damaged") {
            return self.0.execute(request).await;
        }
        let (parts, body) = request.into_parts();
        let mut bytes = body.collect().await?.to_bytes().to_vec();
        let middle = bytes.len() / 2;
        if let Some(middle) = bytes.get_mut(middle) {
            *middle ^= 0xff;
        }
        let request = http::Request::from_parts(parts, HttpRequestBody::from(bytes));
        self.0.execute(request).await
    }
}

#[derive(Debug)]
struct DamagingConnector;

impl HttpConnector for DamagingConnector {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        Ok(HttpClient::new(Damaging(
            ReqwestConnector::default().connect(options)?,
        )))
    }
}

#[test]
fn the_server_refuses_bytes_damaged_on_the_way() {
    let Some(spec) = server("damaged") else {
        return;
    };
    let damaging = Bucket::open_with(&spec, DamagingConnector).unwrap();
    let bucket = Bucket::open(&spec).unwrap();
    let body = Bytes::from(vec![b'a'; 100_000]);

    let err = damaging.put_new("damaged-put", body.clone()).unwrap_err();
    assert!(format!("{err:#}").contains("BadDigest"), "{err:#}");
    assert_eq!(bucket.head("damaged-put").unwrap(), None);

    // A part of a multipart upload: the upload fails, is aborted, and nothing appears.
    let size = (transfer::PIECE * 2) as usize;
    let data = vec![7u8; size];
    let err = damaging
        .upload("damaged-big", &mut &data[..], size as u64, &mut |_| {})
        .unwrap_err();
    assert!(format!("{err:#}").contains("BadDigest"), "{err:#}");
    assert_eq!(bucket.head("damaged-big").unwrap(), None);
    assert_eq!(bucket.multipart_uploads("").unwrap(), vec![]);

    // The same bytes undamaged go through.
    assert!(matches!(
        bucket.put_new("undamaged", body).unwrap(),
        Created::Created(_)
    ));
}

#[test]
fn an_error_document_reads_as_its_code_and_message() {
    let raw = "Server returned non-2xx status code: 404 Not Found: <?xml version=\"1.0\" \
               encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key \
               does not exist.</Message><Resource>/b/k</Resource></Error>";
    assert_eq!(
        super::without_xml(raw),
        "Server returned non-2xx status code: 404 Not Found: NoSuchKey: The specified key does \
         not exist."
    );
    assert_eq!(super::without_xml("plain words"), "plain words");
}
