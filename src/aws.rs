//! AWS client setup, built once per cold start, plus the call recorder every client carries.
//!
//! The recorder counts operations and time per service for run summaries and benchmarks. When
//! `VIGIL_OPS_LOG` names a file, it also appends `service:Operation` lines there, which the
//! least-privilege test compares with the template's IAM actions.

use crate::error::{AwsError, AwsErrorKind, Operation};
use aws_config::{retry::RetryConfig, timeout::TimeoutConfig, BehaviorVersion, Region, SdkConfig};
use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::any::{Any, TypeId};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Loads the shared SDK configuration: region, credentials and endpoints from the environment
/// (`AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, ...), with bounded timeouts.
/// Reads nothing over the network, and defers TLS set-up to the first request ([`LazyHttpClient`]).
pub async fn load_sdk_config() -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(LazyHttpClient::default());
    // Environment variables are the first link of the default credentials and region chains, and
    // the Lambda runtime always sets them: taking them directly gives the same result without
    // building the rest of each chain (instance metadata, SSO, web identity, profiles) at start.
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if env("AWS_ACCESS_KEY_ID").is_some() && env("AWS_SECRET_ACCESS_KEY").is_some() {
        loader = loader.credentials_provider(aws_config::environment::EnvironmentVariableCredentialsProvider::new());
    }
    if let Some(region) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
        loader = loader.region(Region::new(region));
    }
    loader
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(10))
                .operation_timeout(Duration::from_secs(30))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(4))
        .load()
        .await
}

/// vigil's HTTPS client for every AWS call (hyper 1, rustls with ring), created on the first
/// request.
///
/// The SDK's default client loads the platform's root certificates when an SDK client is constructed,
/// about 10 ms of a Lambda cold start spent before the first poll. Behind this wrapper they load
/// when the first AWS call needs a connection; an invocation that calls nothing (an ignored event)
/// never loads them.
#[derive(Debug, Clone, Default)]
pub struct LazyHttpClient {
    inner: Arc<OnceLock<SharedHttpClient>>,
}

impl LazyHttpClient {
    fn client(&self) -> &SharedHttpClient {
        self.inner.get_or_init(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
                .build_https()
        })
    }
}

impl HttpClient for LazyHttpClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        self.client().http_connector(settings, components)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.client().connector_metadata()
    }
}

/// Counts of AWS operations and time spent per service.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CallStats {
    /// `service:Operation` → calls.
    pub operations: BTreeMap<String, u64>,
    /// service → milliseconds spent in calls (summed over concurrent calls).
    pub service_ms: BTreeMap<String, u64>,
}

impl CallStats {
    pub fn total(&self) -> u64 {
        self.operations.values().sum()
    }

    /// The calls made since `earlier` was taken.
    pub fn since(&self, earlier: &CallStats) -> CallStats {
        let diff = |now: &BTreeMap<String, u64>, then: &BTreeMap<String, u64>| {
            now.iter()
                .filter_map(|(k, v)| {
                    let d = v.saturating_sub(then.get(k).copied().unwrap_or(0));
                    (d > 0).then(|| (k.clone(), d))
                })
                .collect()
        };
        CallStats {
            operations: diff(&self.operations, &earlier.operations),
            service_ms: diff(&self.service_ms, &earlier.service_ms),
        }
    }
}

#[derive(Debug, Default)]
struct RecorderState {
    stats: CallStats,
    log: Option<std::fs::File>,
}

/// An SDK interceptor that records every operation a client performs.
#[derive(Debug, Clone, Default)]
pub struct CallRecorder {
    state: Arc<Mutex<RecorderState>>,
}

#[derive(Debug)]
struct CallStart(Instant);

impl Storable for CallStart {
    type Storer = StoreReplace<Self>;
}

impl CallRecorder {
    /// A recorder that also appends to `VIGIL_OPS_LOG` when it is set.
    pub fn from_env() -> Self {
        let log = std::env::var_os("VIGIL_OPS_LOG").and_then(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| tracing::warn!(error = %e, "cannot open VIGIL_OPS_LOG; operations not logged"))
                .ok()
        });
        CallRecorder { state: Arc::new(Mutex::new(RecorderState { stats: CallStats::default(), log })) }
    }

    pub fn snapshot(&self) -> CallStats {
        self.state.lock().map(|s| s.stats.clone()).unwrap_or_default()
    }

    fn record(&self, service: &str, operation: &str) {
        let key = format!("{}:{operation}", service.to_ascii_lowercase());
        if let Ok(mut state) = self.state.lock() {
            *state.stats.operations.entry(key.clone()).or_default() += 1;
            if let Some(file) = state.log.as_mut() {
                // One short line per write, so concurrent appenders do not interleave.
                let _ = file.write_all(format!("{key}\n").as_bytes());
            }
        }
    }

    fn record_time(&self, service: &str, elapsed: Duration) {
        if let Ok(mut state) = self.state.lock() {
            *state.stats.service_ms.entry(service.to_ascii_lowercase()).or_default() += elapsed.as_millis() as u64;
        }
    }
}

impl Intercept for CallRecorder {
    fn name(&self) -> &'static str {
        "VigilCallRecorder"
    }

    fn read_before_serialization(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            self.record(meta.service(), meta.name());
        }
        cfg.interceptor_state().store_put(CallStart(Instant::now()));
        Ok(())
    }

    /// A successful answer whose body is cut short (a broken connection or proxy) can still
    /// deserialize into a shorter list, which would read as "these resources are gone". Such an
    /// answer is an error instead.
    fn read_after_deserialization(
        &self,
        ctx: &AfterDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let response = ctx.response();
        if !response.status().is_success() {
            return Ok(());
        }
        let content_type = response.headers().get("content-type").unwrap_or_default();
        match response.body().bytes() {
            Some(body) if !body_complete(content_type, body) => Err("the response body is incomplete (truncated or malformed)".into()),
            _ => Ok(()),
        }
    }

    fn read_after_execution(
        &self,
        _ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let (Some(meta), Some(start)) = (cfg.load::<Metadata>(), cfg.load::<CallStart>()) {
            self.record_time(meta.service(), start.0.elapsed());
        }
        Ok(())
    }
}

/// Whether a successful response body is a whole document: XML whose root element is closed,
/// or JSON that parses. Other bodies (empty, raw payloads such as a bucket policy) pass; their
/// readers parse them.
pub fn body_complete(content_type: &str, body: &[u8]) -> bool {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t.trim(),
        Err(_) => return !content_type.contains("xml"),
    };
    if text.is_empty() {
        return true;
    }
    if content_type.contains("json") {
        return serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
    }
    // Only an XML document is checked here; anything else in an XML answer is either a raw
    // payload (S3 serves a bucket policy's JSON) or fails the SDK's own parser.
    !text.starts_with('<') || xml_root(text).is_some()
}

/// The root element's name of a whole XML document (after an optional `<?xml ...?>` prolog), or
/// `None` when the root is not closed: the document was cut short or is not XML.
pub fn xml_root(text: &str) -> Option<&str> {
    let text = text.trim();
    let doc = match text.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>")?.1.trim_start(),
        None => text,
    };
    let root = doc.strip_prefix('<')?.split(|c: char| c.is_whitespace() || c == '>' || c == '/').next()?;
    let self_closes = doc.split_once('>').is_some_and(|(tag, rest)| tag.ends_with('/') && rest.trim().is_empty());
    (!root.is_empty() && (self_closes || doc.ends_with(&format!("</{root}>")))).then_some(root)
}

/// The clients vigil uses: created once per cold start, each on first use, and lent to every
/// invocation. vigil's own clients (DynamoDB, SNS, STS) are built here; a service builds its own
/// through [`Clients::regional`], so only its folder names its SDK crate.
#[derive(Debug)]
pub struct Clients {
    sdk: SdkConfig,
    /// Clients by (client type, region), built on first use.
    by_region: Mutex<HashMap<(TypeId, String), Box<dyn Any + Send + Sync>>>,
    path_style: bool,
    pub recorder: CallRecorder,
}

impl Clients {
    pub fn new(sdk: &SdkConfig, recorder: CallRecorder) -> Self {
        // A custom endpoint (moto, LocalStack, a VPC endpoint by IP) rarely serves virtual-hosted buckets.
        let path_style = sdk.endpoint_url().is_some()
            || ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"].iter().any(|v| std::env::var_os(v).is_some());
        Clients { sdk: sdk.clone(), by_region: Mutex::default(), path_style, recorder }
    }

    /// The findings table's client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        self.regional("", |sdk, recorder| {
            aws_sdk_dynamodb::Client::from_conf(aws_sdk_dynamodb::config::Builder::from(sdk).interceptor(recorder.clone()).build())
        })
    }

    /// The alert topic's client.
    pub fn sns(&self) -> aws_sdk_sns::Client {
        self.regional("", |sdk, recorder| {
            aws_sdk_sns::Client::from_conf(aws_sdk_sns::config::Builder::from(sdk).interceptor(recorder.clone()).build())
        })
    }

    /// vigil's identity client (caller identity, member roles).
    pub fn sts(&self) -> aws_sdk_sts::Client {
        self.regional("", |sdk, recorder| {
            aws_sdk_sts::Client::from_conf(aws_sdk_sts::config::Builder::from(sdk).interceptor(recorder.clone()).build())
        })
    }

    /// Clients like these, on other credentials (a member account's role), sharing the recorder.
    pub fn with_credentials(&self, credentials: aws_credential_types::provider::SharedCredentialsProvider) -> Clients {
        let sdk = self.sdk.to_builder().credentials_provider(credentials).build();
        Clients { sdk, by_region: Mutex::default(), path_style: self.path_style, recorder: self.recorder.clone() }
    }

    /// Whether a region was configured (environment or profile).
    pub fn has_region(&self) -> bool {
        self.sdk.region().is_some()
    }

    pub fn default_region(&self) -> String {
        self.sdk.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into())
    }

    /// Whether the endpoint is overridden, so buckets are addressed path-style.
    pub fn path_style(&self) -> bool {
        self.path_style
    }

    /// A service's client for `region` (the SDK's when empty), built once by `build` from the
    /// shared configuration in that region and the call recorder, which the client must carry.
    pub fn regional<C>(&self, region: &str, build: impl FnOnce(&SdkConfig, &CallRecorder) -> C) -> C
    where
        C: Clone + Send + Sync + 'static,
    {
        let region = if region.is_empty() { self.default_region() } else { region.to_string() };
        let key = (TypeId::of::<C>(), region.clone());
        let mut cache = self.by_region.lock().unwrap_or_else(|p| p.into_inner());
        // Keyed by the client's type, so a cached entry is always a `C`.
        if let Some(c) = cache.get(&key).and_then(|c| c.downcast_ref::<C>()) {
            return c.clone();
        }
        let client = build(&self.sdk.to_builder().region(Region::new(region)).build(), &self.recorder);
        cache.insert(key, Box::new(client.clone()));
        client
    }

    /// Who the credentials are (the caller's ARN), for recording who accepted a risk.
    pub async fn caller_arn(&self) -> Result<String, AwsError> {
        let out = self.sts().get_caller_identity().send().await.map_err(|e| classify(&e))?;
        out.arn().map(str::to_string).ok_or_else(|| AwsError {
            operation: Operation::of::<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError>(),
            kind: AwsErrorKind::Other,
            code: None,
            message: "response has no Arn".into(),
        })
    }

    /// The account the credentials belong to.
    pub async fn account_id(&self) -> Result<String, AwsError> {
        let out = self
            .sts()
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| classify(&e))?;
        out.account().map(str::to_string).ok_or_else(|| AwsError {
            operation: Operation::of::<aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityError>(),
            kind: AwsErrorKind::Other,
            code: None,
            message: "response has no Account".into(),
        })
    }
}

/// Drains an SDK paginator, handing each page to `each`; a failed page ends the read with its
/// error, so a listing is either complete or an error.
pub async fn each_page<T, E>(
    mut pages: PaginationStream<Result<T, SdkError<E, HttpResponse>>>,
    mut each: impl FnMut(T),
) -> Result<(), AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    while let Some(page) = pages.next().await {
        each(page.map_err(|e| classify(&e))?);
    }
    Ok(())
}

/// vigil's own operations (store, alerts, identity) and the IAM actions that authorize them; each
/// service declares its own table ([`crate::service::ServiceInfo::permissions`]).
pub const OWN_PERMISSIONS: &[(&str, &[&str])] = &[
    ("dynamodb:Query", &["dynamodb:Query"]),
    ("dynamodb:PutItem", &["dynamodb:PutItem"]),
    ("dynamodb:UpdateItem", &["dynamodb:UpdateItem"]),
    // PublishBatch is authorized by sns:Publish; the topic is encrypted with vigil's key, so the
    // publisher also needs a data key from it (kms:GenerateDataKey) and kms:Decrypt.
    ("sns:PublishBatch", &["sns:Publish", "kms:GenerateDataKey", "kms:Decrypt"]),
    // GetCallerIdentity needs no permission.
    ("sts:GetCallerIdentity", &[]),
    // Member accounts (ACCOUNTS) and the shard queue (SHARD_QUEUE_URL).
    ("sts:AssumeRole", &["sts:AssumeRole"]),
    ("organizations:ListAccounts", &["organizations:ListAccounts"]),
    ("sqs:SendMessageBatch", &["sqs:SendMessage"]),
];

const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "AllAccessDisabled",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "SlowDown",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestThrottled",
    "RequestThrottledException",
];

/// Whether an error of type `T` is somewhere in `err`'s chain of sources.
fn caused_by<T: std::error::Error + 'static>(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.is::<T>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// Reduces any SDK error to an [`AwsError`], naming the operation from the SDK's error type.
pub fn classify<E>(err: &SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let operation = Operation::of::<E>();
    let code = err.code().map(str::to_string);
    // Without a service message, the error's own chain (`dispatch failure: io error: ...`).
    let message = err.message().map(str::to_string).unwrap_or_else(|| crate::error::cause_chain(err));
    let kind = match err {
        SdkError::TimeoutError(_) => AwsErrorKind::Timeout,
        SdkError::DispatchFailure(_) if caused_by::<aws_credential_types::provider::error::CredentialsError>(err) => {
            AwsErrorKind::Credentials
        }
        SdkError::DispatchFailure(d) if d.is_timeout() => AwsErrorKind::Timeout,
        SdkError::DispatchFailure(d) if d.is_io() => AwsErrorKind::Unreachable,
        SdkError::DispatchFailure(_) => AwsErrorKind::Other,
        SdkError::ResponseError(_) => AwsErrorKind::ServerError,
        SdkError::ServiceError(ctx) => {
            let c = code.as_deref().unwrap_or_default();
            if DENIED.contains(&c) {
                AwsErrorKind::Denied
            } else if THROTTLED.contains(&c) {
                AwsErrorKind::Throttled
            } else if ctx.raw().status().as_u16() >= 500 {
                AwsErrorKind::ServerError
            } else if ctx.raw().status().as_u16() == 403 {
                AwsErrorKind::Denied
            } else {
                AwsErrorKind::Other
            }
        }
        _ => AwsErrorKind::Other,
    };
    AwsError { operation, kind, code, message }
}

#[cfg(test)]
mod tests {
    use super::body_complete;

    #[test]
    fn truncated_or_malformed_bodies_are_incomplete() {
        let xml = "text/xml";
        let whole = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><securityGroupInfo><item/></securityGroupInfo></DescribeSecurityGroupsResponse>"#;
        assert!(body_complete(xml, whole.as_bytes()));
        assert!(!body_complete(xml, &whole.as_bytes()[..whole.len() / 2]));
        assert!(!body_complete(xml, &whole.as_bytes()[..whole.len() - 3]));
        assert!(body_complete("application/xml", b"<VersioningConfiguration xmlns=\"x\"/>"));
        assert!(body_complete(xml, b"{\"Version\":\"2012-10-17\"}"), "S3 serves policies as raw JSON");
        assert!(!body_complete(xml, b"<?xml version=\"1.0\""));
        assert!(body_complete(xml, b""));
        let json = "application/x-amz-json-1.0";
        assert!(body_complete(json, br#"{"Items":[]}"#));
        assert!(!body_complete(json, br#"{"Items":["#));
        // A raw payload (a bucket policy) is parsed by its reader.
        assert!(body_complete("binary/octet-stream", b"{\"Version\":"));
    }
}
