//! CloudWatch Logs filter patterns in their JSON form (`{ ($.eventName = "StopLogging") || … }`):
//! a small parser and an evaluator on JSON events. Pure.
//!
//! Supported: `&&`, `||`, parentheses; selectors `$.a.b` and `$.a[0]`; `=` and `!=` on strings
//! (quoted or bare, `*` as a wildcard) and numbers; `<`, `<=`, `>`, `>=` on numbers; `IS TRUE`,
//! `IS FALSE`, `IS NULL`, `NOT EXISTS`. A comparison on a field the event lacks is false, `!=`
//! included, as CloudWatch Logs evaluates it.

use serde_json::Value;

/// A parsed filter pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Test(Selector, Test),
}

/// A path into the event: field names and array indexes.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector(pub Vec<Step>);

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Field(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Eq(Literal),
    Ne(Literal),
    Lt(f64),
    Le(f64),
    Gt(f64),
    Ge(f64),
    IsTrue,
    IsFalse,
    IsNull,
    NotExists,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
}

/// Why a pattern does not parse (with the byte offset where it went wrong).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("filter pattern, at {at}: {what}")]
pub struct ParseError {
    pub at: usize,
    pub what: String,
}

impl Filter {
    /// Parses a JSON filter pattern. Space-delimited term patterns (`ERROR`, `"Failed login"`) and
    /// metric patterns are not JSON patterns: they are refused.
    pub fn parse(text: &str) -> Result<Filter, ParseError> {
        let mut p = Parser { s: text.as_bytes(), i: 0 };
        p.skip();
        p.require(b'{')?;
        let f = p.or()?;
        p.require(b'}')?;
        p.skip();
        if p.i != p.s.len() {
            return Err(p.err("text after the closing brace"));
        }
        Ok(f)
    }

    /// Whether the event matches.
    pub fn matches(&self, event: &Value) -> bool {
        match self {
            Filter::And(a, b) => a.matches(event) && b.matches(event),
            Filter::Or(a, b) => a.matches(event) || b.matches(event),
            Filter::Test(sel, test) => test.holds(sel.find(event)),
        }
    }
}

impl Selector {
    fn find<'a>(&self, event: &'a Value) -> Option<&'a Value> {
        let mut v = event;
        for step in &self.0 {
            v = match step {
                Step::Field(f) => v.get(f)?,
                Step::Index(i) => v.get(i)?,
            };
        }
        Some(v)
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn wildcard(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

fn equals(lit: &Literal, v: &Value) -> bool {
    match (lit, v) {
        (Literal::Number(n), Value::Number(m)) => m.as_f64() == Some(*n),
        (Literal::Number(n), Value::String(s)) => s.parse::<f64>().ok() == Some(*n),
        (Literal::Text(t), Value::String(s)) => wildcard(t, s),
        (Literal::Text(t), Value::Number(m)) => wildcard(t, &m.to_string()),
        (Literal::Text(t), Value::Bool(b)) => t == &b.to_string(),
        _ => false,
    }
}

impl Test {
    fn holds(&self, v: Option<&Value>) -> bool {
        let num = |v: Option<&Value>| v.and_then(|v| v.as_f64().or_else(|| v.as_str()?.parse().ok()));
        match self {
            Test::NotExists => v.is_none(),
            Test::IsNull => v.is_some_and(Value::is_null),
            Test::IsTrue => v == Some(&Value::Bool(true)),
            Test::IsFalse => v == Some(&Value::Bool(false)),
            Test::Eq(lit) => v.is_some_and(|v| equals(lit, v)),
            Test::Ne(lit) => v.is_some_and(|v| !v.is_null() && !equals(lit, v)),
            Test::Lt(n) => num(v).is_some_and(|x| x < *n),
            Test::Le(n) => num(v).is_some_and(|x| x <= *n),
            Test::Gt(n) => num(v).is_some_and(|x| x > *n),
            Test::Ge(n) => num(v).is_some_and(|x| x >= *n),
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> ParseError {
        ParseError { at: self.i, what: what.to_string() }
    }

    fn skip(&mut self) {
        while self.s.get(self.i).is_some_and(u8::is_ascii_whitespace) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, token: &[u8]) -> bool {
        self.skip();
        if self.s[self.i..].starts_with(token) {
            self.i += token.len();
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        self.skip();
        let end = self.i + word.len();
        let next_is_word = self.s.get(end).is_some_and(|c| c.is_ascii_alphanumeric());
        if end <= self.s.len() && self.s[self.i..end].eq_ignore_ascii_case(word.as_bytes()) && !next_is_word {
            self.i = end;
            true
        } else {
            false
        }
    }

    fn require(&mut self, c: u8) -> Result<(), ParseError> {
        if self.eat(&[c]) {
            Ok(())
        } else {
            Err(self.err(&format!("expected `{}`", c as char)))
        }
    }

    fn or(&mut self) -> Result<Filter, ParseError> {
        let mut left = self.and()?;
        while self.eat(b"||") {
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, ParseError> {
        let mut left = self.unary()?;
        while self.eat(b"&&") {
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, ParseError> {
        if self.eat(b"(") {
            let inner = self.or()?;
            self.require(b')')?;
            return Ok(inner);
        }
        let sel = self.selector()?;
        let test = self.test()?;
        Ok(Filter::Test(sel, test))
    }

    fn selector(&mut self) -> Result<Selector, ParseError> {
        self.skip();
        if self.peek() != Some(b'$') {
            return Err(self.err("expected a selector such as `$.eventName`"));
        }
        self.i += 1;
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') => {
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'@' || c == b':') {
                        self.i += 1;
                    }
                    if self.i == start {
                        return Err(self.err("expected a field name after `.`"));
                    }
                    steps.push(Step::Field(String::from_utf8_lossy(&self.s[start..self.i]).into_owned()));
                }
                Some(b'[') => {
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.i += 1;
                    }
                    let n = std::str::from_utf8(&self.s[start..self.i]).ok().and_then(|t| t.parse().ok()).ok_or_else(|| self.err("expected an array index"))?;
                    if self.peek() != Some(b']') {
                        return Err(self.err("expected `]`"));
                    }
                    self.i += 1;
                    steps.push(Step::Index(n));
                }
                _ => break,
            }
        }
        if steps.is_empty() {
            return Err(self.err("a selector names a field: `$.field`"));
        }
        Ok(Selector(steps))
    }

    fn number(&mut self) -> Result<f64, ParseError> {
        match self.literal()? {
            Literal::Number(n) => Ok(n),
            Literal::Text(t) => Err(self.err(&format!("expected a number, found {t:?}"))),
        }
    }

    fn test(&mut self) -> Result<Test, ParseError> {
        if self.eat_word("IS") {
            return if self.eat_word("TRUE") {
                Ok(Test::IsTrue)
            } else if self.eat_word("FALSE") {
                Ok(Test::IsFalse)
            } else if self.eat_word("NULL") {
                Ok(Test::IsNull)
            } else {
                Err(self.err("expected TRUE, FALSE or NULL after IS"))
            };
        }
        if self.eat_word("NOT") {
            return if self.eat_word("EXISTS") { Ok(Test::NotExists) } else { Err(self.err("expected EXISTS after NOT")) };
        }
        if self.eat(b"!=") {
            return Ok(Test::Ne(self.literal()?));
        }
        if self.eat(b"<=") {
            return Ok(Test::Le(self.number()?));
        }
        if self.eat(b">=") {
            return Ok(Test::Ge(self.number()?));
        }
        if self.eat(b"<") {
            return Ok(Test::Lt(self.number()?));
        }
        if self.eat(b">") {
            return Ok(Test::Gt(self.number()?));
        }
        if self.eat(b"=") {
            return Ok(Test::Eq(self.literal()?));
        }
        Err(self.err("expected =, !=, <, <=, >, >=, IS or NOT EXISTS"))
    }

    /// A quoted string (`\"` and `\\` escapes), or a bare token up to a space, `)`, `&`, `|` or `}`.
    fn literal(&mut self) -> Result<Literal, ParseError> {
        self.skip();
        if self.peek() == Some(b'"') {
            self.i += 1;
            let mut out = Vec::new();
            loop {
                match self.peek() {
                    None => return Err(self.err("unterminated string")),
                    Some(b'"') => {
                        self.i += 1;
                        break;
                    }
                    Some(b'\\') if self.s.get(self.i + 1).is_some() => {
                        out.push(self.s[self.i + 1]);
                        self.i += 2;
                    }
                    Some(c) => {
                        out.push(c);
                        self.i += 1;
                    }
                }
            }
            return Ok(Literal::Text(String::from_utf8_lossy(&out).into_owned()));
        }
        let start = self.i;
        while self.peek().is_some_and(|c| !c.is_ascii_whitespace() && !b")&|}".contains(&c)) {
            self.i += 1;
        }
        if self.i == start {
            return Err(self.err("expected a value"));
        }
        let token = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        Ok(match token.parse::<f64>() {
            Ok(n) => Literal::Number(n),
            Err(_) => Literal::Text(token),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(pattern: &str, event: Value) -> bool {
        Filter::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")).matches(&event)
    }

    #[test]
    fn the_cis_reference_patterns_parse_and_match_what_they_should() {
        let unauthorized = r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && ($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket") }"#;
        assert!(m(unauthorized, json!({"errorCode": "Client.UnauthorizedOperation", "eventName": "RunInstances"})));
        assert!(m(unauthorized, json!({"errorCode": "AccessDenied", "sourceIPAddress": "198.51.100.1", "eventName": "GetObject"})));
        assert!(!m(unauthorized, json!({"errorCode": "AccessDenied", "sourceIPAddress": "198.51.100.1", "eventName": "HeadBucket"})));
        assert!(!m(unauthorized, json!({"eventName": "DescribeInstances"})));
        let root = r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#;
        assert!(m(root, json!({"userIdentity": {"type": "Root"}, "eventType": "AwsApiCall"})));
        assert!(!m(root, json!({"userIdentity": {"type": "Root", "invokedBy": "s3.amazonaws.com"}, "eventType": "AwsApiCall"})));
        let mfa = r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#;
        assert!(m(mfa, json!({"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "No"}})));
        assert!(!m(mfa, json!({"eventName": "ConsoleLogin", "additionalEventData": {"MFAUsed": "Yes"}})));
        let kms = r#"{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"#;
        assert!(m(kms, json!({"eventSource": "kms.amazonaws.com", "eventName": "ScheduleKeyDeletion"})));
        assert!(!m(kms, json!({"eventSource": "kms.amazonaws.com", "eventName": "Decrypt"})));
    }

    #[test]
    fn operators_literals_and_selectors() {
        assert!(m(r#"{ $.count > 5 }"#, json!({"count": 6})));
        assert!(!m(r#"{ $.count > 5 }"#, json!({"count": 5})));
        assert!(m(r#"{ $.count >= 5 && $.count <= 5 && $.count < 6 }"#, json!({"count": 5})));
        assert!(m(r#"{ $.flag IS TRUE }"#, json!({"flag": true})));
        assert!(m(r#"{ $.flag IS FALSE }"#, json!({"flag": false})));
        assert!(m(r#"{ $.gone IS NULL }"#, json!({"gone": null})));
        assert!(m(r#"{ $.list[1].name = "b" }"#, json!({"list": [{"name": "a"}, {"name": "b"}]})));
        assert!(m(r#"{ $.msg = "a \"quoted\" word" }"#, json!({"msg": "a \"quoted\" word"})));
        assert!(m(r#"{ $.arn = "arn:aws:iam::*:role/*-admin" }"#, json!({"arn": "arn:aws:iam::123456789012:role/ops-admin"})));
        assert!(!m(r#"{ $.arn = "arn:aws:iam::*:role/*-admin" }"#, json!({"arn": "arn:aws:iam::123456789012:role/ops"})));
        assert!(!m(r#"{ $.missing != "x" }"#, json!({})), "a comparison on an absent field is false");
    }

    #[test]
    fn bad_patterns_are_refused_with_where() {
        for bad in ["ERROR", r#""Failed login""#, "{ $.a = }", "{ $.a == 1 }", "{ ($.a = 1 }", "{ $.a = 1 } x", "{ $ = 1 }", r#"{ $.a = "open }"#, "{ $.a IS MAYBE }", "{ $.n > x }"] {
            assert!(Filter::parse(bad).is_err(), "{bad} should not parse");
        }
        let e = Filter::parse("{ $.a = 1 && }").unwrap_err();
        assert!(e.to_string().contains("selector"), "{e}");
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let f = r#"{ $.a = 1 || $.b = 1 && $.c = 1 }"#;
        assert!(m(f, json!({"a": 1})));
        assert!(!m(f, json!({"b": 1})));
        assert!(m(f, json!({"b": 1, "c": 1})));
    }
}
