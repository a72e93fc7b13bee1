//! Deprecated Lambda runtimes: data in `data/lambda-runtimes.tsv`, with its source and the date it
//! was read, parsed once and checked by a test.

use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const DATA: &str = include_str!("../../../data/lambda-runtimes.tsv");

/// Each runtime identifier and the date AWS deprecates it.
pub fn deprecations() -> &'static BTreeMap<String, NaiveDate> {
    static TABLE: OnceLock<BTreeMap<String, NaiveDate>> = OnceLock::new();
    TABLE.get_or_init(|| parse(DATA).unwrap_or_default())
}

/// Parses the table: `identifier<TAB>YYYY-MM-DD` per line, `#` comments.
pub fn parse(text: &str) -> Result<BTreeMap<String, NaiveDate>, String> {
    let mut out = BTreeMap::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
        let (id, date) = line.split_once('\t').ok_or_else(|| format!("line {}: expected identifier<TAB>date", n + 1))?;
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").map_err(|e| format!("line {}: {e}", n + 1))?;
        if out.insert(id.trim().to_string(), date).is_some() {
            return Err(format!("line {}: {id} listed twice", n + 1));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_table_parses_and_names_its_source() {
        let table = parse(DATA).expect("data/lambda-runtimes.tsv parses");
        assert!(table.len() > 20);
        assert_eq!(deprecations().get("python3.8"), NaiveDate::from_ymd_opt(2024, 10, 14).as_ref());
        assert!(DATA.lines().any(|l| l.starts_with("# source: ")));
        assert!(parse("python3.8\tlater").is_err());
        assert!(parse("a\t2024-01-01\na\t2024-01-02").is_err());
    }
}
