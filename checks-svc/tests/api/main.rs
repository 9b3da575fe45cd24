// In these tests an unexpected shape is the failure itself; the assertion
// messages around them say what was expected.
#![allow(clippy::unwrap_used)]

mod checks;
mod clients;
mod helpers;
mod probes;
mod schedule;
