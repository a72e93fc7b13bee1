//! `iam_policy_kms_decrypt_all_keys`: a customer managed or inline policy allows decrypting with
//! every KMS key, without a condition.

use super::{denied_everywhere, lint_allows, Documents};
use crate::check::{Check, Context, Outcome};
use crate::compliance::fsbp;
use crate::model::Severity;
use crate::policy::glob::{self, Case};
use crate::policy::Statement;

pub static CHECK: Check = Check {
    id: "iam_policy_kms_decrypt_all_keys",
    title: "IAM policy allows decryption with every KMS key",
    severity: Severity::Medium,
    resource_types: &[crate::services::iam::POLICY, crate::services::iam::USER, crate::services::iam::ROLE, crate::services::iam::GROUP],
    risk: "The principal can decrypt whatever any key in the account protects (secrets, backups, other \
           teams' data), as far as the key policies delegate to IAM, which the default key policy does.",
    remediation: "Name the keys the workload uses in Resource, or add a condition such as kms:ViaService or \
                  kms:EncryptionContext that limits which data can be decrypted.",
    remediation_cli: "aws iam get-policy --policy-arn {id}",
    compliance: &[fsbp("KMS.1"), fsbp("KMS.2")],
    eval: &super::OnDocuments(eval),
    advice: None,
};

/// The decryption actions FSBP KMS.1 and KMS.2 name.
const DECRYPT: &[&str] = &["kms:Decrypt", "kms:ReEncryptFrom"];

/// Whether a Resource pattern reaches every key (`*`, `arn:aws:kms:*:*:key/*`, `arn:aws:kms:*`).
fn every_key(pattern: &str, partition: &str) -> bool {
    glob::covers(pattern, &format!("arn:{partition}:kms:*:*:key/*"), Case::Sensitive)
}

fn flag(s: &Statement, docs: &Documents, partition: &str) -> Option<String> {
    if s.has_condition() || !s.resource.as_ref().is_some_and(|r| r.iter().any(|x| every_key(x, partition))) {
        return None;
    }
    let allowed: Vec<&str> = DECRYPT.iter().copied().filter(|a| s.covers_action(a) && !denied_everywhere(a, docs.governing)).collect();
    (!allowed.is_empty()).then(|| format!("{} on every key, without a condition", allowed.join(", ")))
}

fn eval(docs: &Documents, ctx: &Context) -> Option<Outcome> {
    Some(lint_allows(docs, |s| flag(s, docs, ctx.partition)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::lint;

    fn run(statements: &str) -> bool {
        lint(eval, statements).is_fail()
    }

    #[test]
    fn decrypt_on_every_key_without_a_condition_fails() {
        assert!(run(r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}"#));
        assert!(run(r#"{"Effect":"Allow","Action":["kms:ReEncrypt*"],"Resource":"arn:aws:kms:*:*:key/*"}"#));
        assert!(run(r#"{"Effect":"Allow","Action":"kms:*","Resource":"*"}"#));
        assert!(run(r#"{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}"#), "NotAction leaves kms:Decrypt in");
    }

    #[test]
    fn named_keys_conditions_and_denials_pass() {
        assert!(!run(r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}"#));
        assert!(!run(r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"}}}"#));
        assert!(!run(r#"{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"}"#), "encrypting reveals nothing");
        assert!(!run(r#"{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"},{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}"#));
    }
}
