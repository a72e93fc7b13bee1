//! Error types shared by the library: AWS call failures, and the handler's retryable / non-retryable split.

use thiserror::Error;

/// How an AWS call failed, reduced to what the auditor has to decide on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AwsErrorKind {
    /// The caller lacks permission (AccessDenied and friends). Retrying will not help.
    Denied,
    /// Throttled after the SDK's own retries.
    Throttled,
    /// Timed out.
    Timeout,
    /// Could not connect (DNS, refused, reset before an answer).
    Unreachable,
    /// No usable credentials were found, so nothing was sent.
    Credentials,
    /// A server-side fault (5xx).
    ServerError,
    /// Anything else the service rejected.
    Other,
}

/// An AWS operation (`s3:GetBucketPolicy`), named from the SDK's own types, never typed by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Operation {
    /// The SDK crate's service name (`s3`, `iam`, `dynamodb`).
    pub service: &'static str,
    /// The operation (`GetBucketPolicy`).
    pub name: &'static str,
}

impl Operation {
    /// The operation whose error type is `E`: the crate names the service, the type the operation
    /// (`aws_sdk_<service>::operation::<op>::<Op>Error`).
    pub fn of<E>() -> Self {
        Self::from_error_type(std::any::type_name::<E>())
    }

    fn from_error_type(path: &'static str) -> Self {
        let krate = path.split("::").next().unwrap_or(path);
        let last = path.rsplit("::").next().unwrap_or(path);
        Operation {
            service: krate.strip_prefix("aws_sdk_").unwrap_or(krate),
            name: last.strip_suffix("Error").unwrap_or(last),
        }
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.service, self.name)
    }
}

impl serde::Serialize for Operation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A failed AWS call, with the operation that failed.
#[derive(Debug, Clone, Error, serde::Serialize)]
#[error("{operation} failed ({kind:?}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
pub struct AwsError {
    pub operation: Operation,
    pub kind: AwsErrorKind,
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    /// A failure vigil itself detected in an answer or a setting, for `operation`.
    pub fn other(operation: Operation, message: impl Into<String>) -> Self {
        AwsError { operation, kind: AwsErrorKind::Other, code: None, message: message.into() }
    }

    /// Whether the call failed with one of `codes`. Each read names the codes its own operation
    /// returns for "no such resource" or "not configured" (there is no shared not-found list), and
    /// a listing treats no code as "empty".
    pub fn has_code(&self, codes: &[&str]) -> bool {
        self.code.as_deref().is_some_and(|c| codes.contains(&c))
    }

    /// `Ok(None)` when the error is one of `codes` (the operation's own answer for "not set" or
    /// "no such thing"), else the error: for reads where absence is data.
    pub fn absent_if<T>(self, codes: &[&str]) -> Result<Option<T>, AwsError> {
        if self.has_code(codes) {
            Ok(None)
        } else {
            Err(self)
        }
    }

    /// Whether a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            AwsErrorKind::Throttled | AwsErrorKind::Timeout | AwsErrorKind::Unreachable | AwsErrorKind::ServerError
        )
    }

    /// One line that names the cause and what to do about it.
    pub fn explain(&self) -> String {
        explain(&self.operation.to_string(), self.kind, self.code.as_deref(), &self.message)
    }
}

/// Codes meaning the credentials are past their expiry.
const EXPIRED: &[&str] = &["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"];
/// Codes meaning AWS does not accept the credentials at all.
const REJECTED: &[&str] =
    &["InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthFailure"];

/// One line for a failed AWS call: the cause and the fix. `-v` on the CLI shows the full chain.
pub fn explain(operation: &str, kind: AwsErrorKind, code: Option<&str>, message: &str) -> String {
    let code = code.unwrap_or_default();
    if EXPIRED.contains(&code) {
        return "the AWS credentials have expired: refresh them (for example `aws sso login`, or new temporary credentials) and run again"
            .into();
    }
    if REJECTED.contains(&code) {
        return format!(
            "AWS rejected the credentials ({code}): check AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
        );
    }
    match kind {
        AwsErrorKind::Credentials => "no AWS credentials found: run `aws configure` or `aws sso login`, set AWS_PROFILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            .into(),
        AwsErrorKind::Unreachable => {
            // The service's own endpoint variable wins over the shared one, as in the SDK.
            let service = operation.split(':').next().unwrap_or_default().to_ascii_uppercase();
            let (var, endpoint) = [format!("AWS_ENDPOINT_URL_{service}"), "AWS_ENDPOINT_URL".to_string()]
                .into_iter()
                .find_map(|var| std::env::var(&var).ok().filter(|e| !e.is_empty()).map(|e| (var, Some(e))))
                .unwrap_or_else(|| ("AWS_ENDPOINT_URL".to_string(), None));
            let at = endpoint.map(|e| format!(" at {e}")).unwrap_or_default();
            format!("cannot reach AWS{at} ({operation}): check the network connection, a proxy, or {var}")
        }
        AwsErrorKind::Denied => match crate::services::iam_actions(operation) {
            Some(actions) if !actions.is_empty() => format!(
                "access denied to {operation}: grant the IAM action {} to the identity vigil runs as",
                actions.join(" and ")
            ),
            _ => format!("access denied to {operation}: grant it to the identity vigil runs as"),
        },
        _ => format!("{operation} failed: {}", first_line(message)),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// A read that failed for one resource; the audit reports it and concludes nothing from it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReadFailure {
    pub resource_arn: String,
    pub error: AwsError,
}

impl ReadFailure {
    /// A listing of `what` (a type name) in one region that failed.
    pub fn regional(what: &str, region: &str, error: AwsError) -> Self {
        ReadFailure { resource_arn: format!("{what} in {region}"), error }
    }
}

/// What went wrong while handling one invocation.
#[derive(Debug, Error)]
pub enum HandlerError {
    /// The event itself is unusable: retrying the same input gives the same error.
    #[error("rejected event: {0}")]
    BadEvent(#[from] crate::router::RouteError),
    /// An AWS call failed in a way that a retry may fix (throttling, timeout, 5xx).
    #[error("transient AWS failure: {0}")]
    Transient(#[source] AwsError),
    /// An AWS call failed in a way that a retry will not fix (missing table, access denied on the store).
    #[error("AWS failure: {0}")]
    Fatal(#[source] AwsError),
}

impl HandlerError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, HandlerError::Transient(_))
    }

    /// Classifies an AWS error from a step that must succeed for the invocation to succeed.
    pub fn from_aws(err: AwsError) -> Self {
        if err.is_retryable() {
            HandlerError::Transient(err)
        } else {
            HandlerError::Fatal(err)
        }
    }
}

/// Renders an error and its sources as one line: `a: b: c`.
pub fn cause_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_named_from_sdk_error_types() {
        // A made-up SDK crate, spelled in two pieces so no real crate name appears here.
        let op = Operation::from_error_type(concat!("aws_", "sdk_example::operation::get_thing_policy::GetThingPolicyError"));
        assert_eq!(op.to_string(), "example:GetThingPolicy");
        let op = Operation::from_error_type(concat!("aws_", "sdk_example::operation::list_mfa_devices::ListMFADevicesError"));
        assert_eq!(op, Operation { service: "example", name: "ListMFADevices" });
        assert_eq!(serde_json::to_value(op).unwrap(), serde_json::json!("example:ListMFADevices"));
    }
}
