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
    /// Timed out or could not connect.
    Timeout,
    /// The resource does not exist (any more).
    NotFound,
    /// A server-side fault (5xx).
    ServerError,
    /// Anything else the service rejected.
    Other,
}

/// A failed AWS call, with the operation that failed.
#[derive(Debug, Clone, Error, serde::Serialize)]
#[error("{operation} failed ({kind:?}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
pub struct AwsError {
    pub operation: &'static str,
    pub kind: AwsErrorKind,
    pub code: Option<String>,
    pub message: String,
}

impl AwsError {
    /// Whether a later attempt may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            AwsErrorKind::Throttled | AwsErrorKind::Timeout | AwsErrorKind::ServerError
        )
    }
}

/// What went wrong while handling one invocation.
#[derive(Debug, Error)]
pub enum HandlerError {
    /// The event itself is unusable: retrying the same input gives the same error.
    #[error("rejected event: {0}")]
    BadEvent(#[from] crate::trigger::RouteError),
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
