//! IAM wildcard matching (`*` and `?`): text against a pattern, and pattern against pattern.
//!
//! Actions match case-insensitively, ARNs case-sensitively. The escalation analysis asks about
//! sets of resources ("any customer managed policy"), written as patterns, so besides matching it
//! needs "can these two patterns match a common string" and "does this pattern cover that one".

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Sensitive,
    Insensitive,
}

fn chars(s: &str, case: Case) -> Vec<char> {
    match case {
        Case::Sensitive => s.chars().collect(),
        Case::Insensitive => s.to_ascii_lowercase().chars().collect(),
    }
}

/// Whether `text` matches `pattern`.
pub fn matches(pattern: &str, text: &str, case: Case) -> bool {
    match_items(&chars(pattern, case), &chars(text, case), '*', '?')
}

/// The matching rule over any items: `star` matches any run, `one` any single item. Used on
/// characters here and on the bytes of lower-cased action names in [`super::actions`].
pub(crate) fn match_items<T: Copy + PartialEq>(p: &[T], t: &[T], star: T, one: T) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let (mut last_star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == one || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star {
            last_star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = last_star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == star)
}

/// Whether some string matches both patterns.
pub fn intersects(a: &str, b: &str, case: Case) -> bool {
    let (a, b) = (chars(a, case), chars(b, case));
    // Reachable states (i, j): a[..i] and b[..j] can produce the same string.
    let mut seen = vec![false; (a.len() + 1) * (b.len() + 1)];
    let idx = |i: usize, j: usize| i * (b.len() + 1) + j;
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if seen[idx(i, j)] {
            continue;
        }
        seen[idx(i, j)] = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some('*') {
            stack.push((i + 1, j)); // a's star ends here
            if cb.is_some_and(|c| c != '*') {
                stack.push((i, j + 1)); // a's star absorbs one character b produces
            }
        }
        if cb == Some('*') {
            stack.push((i, j + 1));
            if ca.is_some_and(|c| c != '*') {
                stack.push((i + 1, j));
            }
        }
        if let (Some(x), Some(y)) = (ca, cb) {
            if x != '*' && y != '*' && (x == y || x == '?' || y == '?') {
                stack.push((i + 1, j + 1));
            }
        }
    }
    false
}

/// Whether every string matching `inner` also matches `outer` (a sound approximation: `true` is
/// always right; a few exotic pattern pairs that are covered answer `false`).
pub fn covers(outer: &str, inner: &str, case: Case) -> bool {
    let (p, t) = (chars(outer, case), chars(inner, case));
    // Match `inner` as text against `outer`, where a wildcard in `inner` is matched only by `*`.
    let n = t.len();
    let mut cur = vec![false; n + 1];
    cur[0] = true;
    for &pc in &p {
        let mut next = vec![false; n + 1];
        if pc == '*' {
            let mut reach = false;
            for j in 0..=n {
                reach |= cur[j];
                next[j] = reach;
            }
        } else {
            for j in 0..n {
                let ok = match t[j] {
                    '*' | '?' => false,
                    c => pc == '?' || pc == c,
                };
                next[j + 1] = cur[j] && ok;
            }
        }
        cur = next;
    }
    cur[n]
}

/// Whether the pattern matches every string.
pub fn is_universal(pattern: &str) -> bool {
    !pattern.is_empty() && pattern.chars().all(|c| c == '*')
}

/// The six fields of an ARN (`arn:partition:service:region:account:resource`); the resource
/// field keeps its own colons. `None` for anything else (`*`, a bare name).
fn arn_fields(s: &str) -> Option<Vec<&str>> {
    let fields: Vec<&str> = s.splitn(6, ':').collect();
    (fields.len() == 6 && fields[0] == "arn").then_some(fields)
}

/// Applies `f` field by field when both sides are ARNs, as IAM matches resources: a wildcard in
/// the region never reaches into the account or resource fields. Otherwise `f` on the whole text.
fn by_field(a: &str, b: &str, f: impl Fn(&str, &str, Case) -> bool) -> bool {
    match (arn_fields(a), arn_fields(b)) {
        (Some(x), Some(y)) => x.iter().zip(&y).all(|(x, y)| f(x, y, Case::Sensitive)),
        _ => f(a, b, Case::Sensitive),
    }
}

/// [`matches`] for a `Resource` pattern and an ARN.
pub fn resource_matches(pattern: &str, arn: &str) -> bool {
    by_field(pattern, arn, matches)
}

/// [`intersects`] for two `Resource` patterns.
pub fn resource_intersects(a: &str, b: &str) -> bool {
    by_field(a, b, intersects)
}

/// [`covers`] for two `Resource` patterns.
pub fn resource_covers(outer: &str, inner: &str) -> bool {
    by_field(outer, inner, covers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Case::*;

    #[test]
    fn matching() {
        assert!(matches("s3:*", "s3:GetObject", Insensitive));
        assert!(matches("S3:get*", "s3:GetObject", Insensitive));
        assert!(matches("s3:Get?bject", "s3:GetObject", Insensitive));
        assert!(!matches("s3:GetObject", "s3:GetObjectAcl", Insensitive));
        assert!(!matches("arn:aws:s3:::Bucket", "arn:aws:s3:::bucket", Sensitive));
    }

    #[test]
    fn intersection() {
        assert!(intersects("arn:aws:iam::1:policy/team-*", "arn:aws:iam::1:policy/*", Sensitive));
        assert!(intersects("*", "arn:aws:iam::1:role/*", Sensitive));
        assert!(intersects("arn:aws:iam::*:role/a*", "arn:aws:iam::1:role/*b", Sensitive));
        assert!(!intersects("arn:aws:iam::aws:policy/*", "arn:aws:iam::123456789012:policy/*", Sensitive));
        assert!(!intersects("arn:aws:s3:::logs/*", "arn:aws:iam::1:role/*", Sensitive));
        assert!(intersects("a?c", "*c", Sensitive));
        assert!(!intersects("ab", "a", Sensitive));
    }

    #[test]
    fn coverage() {
        assert!(covers("*", "arn:aws:iam::1:role/*", Sensitive));
        assert!(covers("arn:aws:iam::*:role/*", "arn:aws:iam::1:role/*", Sensitive));
        assert!(!covers("arn:aws:iam::1:role/app-*", "arn:aws:iam::1:role/*", Sensitive));
        assert!(!covers("arn:aws:iam::1:role/?", "arn:aws:iam::1:role/*", Sensitive));
        assert!(covers("iam:*", "iam:PassRole", Insensitive));
        assert!(is_universal("*") && is_universal("**") && !is_universal("*:*"));
    }

    #[test]
    fn resource_wildcards_stay_within_their_arn_field() {
        // As whole strings these intersect: `*` in the region could swallow `:acct:cluster/x:`.
        assert!(intersects("arn:aws:ecs:*:123456789012:cluster/*", "arn:aws:ecs:*:123456789012:task/*", Case::Sensitive));
        assert!(!resource_intersects("arn:aws:ecs:*:123456789012:cluster/*", "arn:aws:ecs:*:123456789012:task/*"));
        assert!(!resource_intersects("arn:aws:ec2:*:999999999999:instance/*", "arn:aws:ec2:*:123456789012:instance/*"));
        assert!(resource_intersects("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:123456789012:instance/*"));
        assert!(resource_covers("arn:aws:iam::*:role/*", "arn:aws:iam::123456789012:role/app/*"));
        assert!(!resource_covers("arn:aws:iam::*:role/*", "arn:aws:iam::*:user/*"));
        // The resource field keeps its colons; anything that is not an ARN is matched whole.
        assert!(resource_matches("arn:aws:lambda:*:123456789012:function:*", "arn:aws:lambda:eu-west-1:123456789012:function:f:1"));
        assert!(resource_intersects("*", "arn:aws:s3:::b/*") && resource_covers("*", "arn:aws:s3:::b/*"));
        assert!(!resource_matches("arn:aws:s3:::b/*", "arn:aws:s3:::c/x"));
    }
}
