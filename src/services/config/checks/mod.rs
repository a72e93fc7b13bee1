//! Config checks, one file each.

crate::check::checks! {
    recorder_disabled,
}
