//! Lambda snapshots: one function's runtime, resource policy, function URL and tags. Plain data;
//! `None` is "not read".

use crate::policy::PolicyDocument;
use crate::service::Tags;

#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: String,
    /// The managed runtime identifier (`python3.12`); `None` for a container image function or
    /// when not returned.
    pub runtime: Option<String>,
    /// `Some(None)`: read, and the function has no resource policy.
    pub policy: Option<Option<PolicyDocument>>,
    /// The function URL's `AuthType` (`NONE` or `AWS_IAM`); `Some(None)`: read, and there is no URL.
    pub url_auth: Option<Option<String>>,
    pub tags: Option<Tags>,
}
