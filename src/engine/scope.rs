//! Scope: which resources an audit covers. The judge applies it to every unit, whatever triggered
//! the read; readers may ask early to avoid reading parts of a resource the judge would skip.

use crate::config::Settings;
use crate::model::ResourceRef;
use crate::service::Tags;

/// Why a resource is outside the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutOfScope {
    /// In a region `REGIONS` does not list.
    Region,
    /// Its name does not end with `SCOPE_NAME_SUFFIX`.
    Name,
    /// It lacks the `SCOPE_TAG` tag.
    Tag,
}

/// Decides scope for one resource. `REGIONS` applies to regional types, `SCOPE_NAME_SUFFIX` to
/// types whose id is a name, `SCOPE_TAG` to types whose tags vigil reads, once they are read
/// (`tags` is `None` before).
pub fn admits(settings: &Settings, r: &ResourceRef, tags: Option<&Tags>) -> Result<(), OutOfScope> {
    let info = r.kind.info();
    if info.regional && !r.region.is_empty() && !settings.regions.is_empty() && !settings.regions.contains(&r.region) {
        return Err(OutOfScope::Region);
    }
    if let Some(suffix) = &settings.scope_name_suffix {
        if info.named && !r.id.ends_with(suffix.as_str()) {
            return Err(OutOfScope::Name);
        }
    }
    if let (Some(scope), Some(tags), true) = (&settings.scope_tag, tags, info.tags) {
        if !scope.matches(tags) {
            return Err(OutOfScope::Tag);
        }
    }
    Ok(())
}

/// Whether the exemption tag marks the resource (its findings are SUPPRESSED and never alert).
pub fn exempt(settings: &Settings, r: &ResourceRef, tags: Option<&Tags>) -> bool {
    r.kind.info().tags && tags.is_some_and(|t| settings.exempt_tag.matches(t))
}
