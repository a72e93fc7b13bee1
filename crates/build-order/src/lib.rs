//! Build-order hint (see this crate's Cargo.toml): no code, only a dependency on aws-sdk-ec2 that
//! makes cargo schedule that crate, the longest to compile, before the other SDK crates.
