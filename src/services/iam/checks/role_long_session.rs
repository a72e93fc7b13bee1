//! `iam_role_long_session`: a role's maximum session is longer than `ROLE_MAX_SESSION_SECONDS`.

use crate::check::{Check, Context, On, Outcome};
use crate::model::Severity;
use crate::services::iam::snapshot::Principal;

pub static CHECK: Check = Check {
    id: "iam_role_long_session",
    title: "IAM role allows long sessions",
    severity: Severity::Low,
    resource_types: &[crate::services::iam::ROLE],
    risk: "Stolen role credentials stay valid until the session ends: with a 12-hour session, a token lifted \
           from a laptop or CI log works all day after the theft.",
    remediation: "Lower MaxSessionDuration to what the role's users need (one hour is the default).",
    remediation_cli: "aws iam update-role --role-name {id} --max-session-duration 3600",
    compliance: &[],
    eval: &On(eval),
    advice: Some(|_| "Lower MaxSessionDuration to one hour unless longer sessions are needed.".into()),
};

fn eval(p: &Principal, ctx: &Context) -> Option<Outcome> {
    let seconds = p.role.as_ref()?.max_session_seconds?;
    Some(if seconds > ctx.role_max_session_seconds {
        Outcome::fail(format!(
            "maximum session {} hours ({seconds} s, limit {} s)",
            seconds / 3600,
            ctx.role_max_session_seconds
        ))
    } else {
        Outcome::Pass
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::iam::checks::fixtures::role;
    use crate::check::testing::ctx;

    #[test]
    fn cases() {
        let mut r = role("r", r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#);
        r.role.as_mut().unwrap().max_session_seconds = Some(43_200);
        assert_eq!(eval(&r, &ctx()), Some(Outcome::fail("maximum session 12 hours (43200 s, limit 14400 s)".into())));
        r.role.as_mut().unwrap().max_session_seconds = Some(3_600);
        assert_eq!(eval(&r, &ctx()), Some(Outcome::Pass));
    }
}
